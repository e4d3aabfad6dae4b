"""What every use case shares: the unit of work (one transaction, committed at the end or rolled
back, database failures turned into errors a person can act on) and the role check."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from workbench.db.engine import sqlite_file
from workbench.db.failures import explain
from workbench.errors import PermissionDenied
from workbench.members.models import Staff


class UnitOfWork:
    """`with uow.write() as session:` — one transaction that takes SQLite's write lock up front
    (a deferred transaction that reads and then writes cannot wait for another writer: it fails
    at once with 'database is locked'); committed when the block ends, rolled back if it raises.
    `read()` is a transaction that writes nothing; the rows it returns stay readable."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        self._sqlite: Path | None = sqlite_file(bind) if bind is not None else None

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._translated(), self.sessions() as session:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session
            session.commit()

    @contextmanager
    def read(self) -> Iterator[Session]:
        # Closing (not rolling back) ends it: the rows read keep their values, detached.
        with self._translated(), self.sessions() as session:
            yield session

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as error:
            typed = explain(error, sqlite_path=self._sqlite)
            if typed is None:
                raise
            raise typed from error


def require_role(actor: Staff, roles: Collection[str], doing: str) -> None:
    """Refuses, with the same words whatever the record, an actor whose role may not do it."""
    if actor.role not in roles:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not {doing}")
