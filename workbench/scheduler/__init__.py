"""The scheduler service: one active APScheduler per database, others wait as standbys."""
