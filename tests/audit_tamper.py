"""The forger of the audit tests: a session that writes the audit tables as the database's owner
would, past the append-only triggers of PostgreSQL (migration 0016), to show that `verify`
catches what such a writer does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session

AUDIT_TABLES = ("audit_entry", "audit_head", "audit_pending")


@contextmanager
def owner_session(wb) -> Iterator[Session]:
    """A session whose transaction may UPDATE and DELETE audit rows; committed at the end.

    On PostgreSQL the table owner disables the triggers inside the transaction (ALTER TABLE is
    transactional) and enables them again before committing, as an insider owning the tables
    could; SQLite has no such triggers."""
    with wb.sessions() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            for table in AUDIT_TABLES:
                session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield session
        if postgres:
            for table in AUDIT_TABLES:
                session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        session.commit()
