"""Realistic fake data for the demo and the benchmarks. Every person in it is invented."""
