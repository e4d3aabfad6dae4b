"""Hotline calls and the calls out to members; webhooks from Twilio."""
