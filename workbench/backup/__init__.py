"""Consistent, encrypted backups of the database and their restore into an empty database."""
