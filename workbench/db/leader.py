"""Who may run the scheduler: a lock held for as long as the active scheduler lives.

PostgreSQL: a session-level advisory lock on a dedicated connection; the server drops it when
the process dies, so a standby takes over. SQLite: an exclusive lock on a file beside the
database, which the operating system drops with the process.

Either lock can also be lost while the process lives: the lock's connection is cut (a server
restart, a proxy or firewall closing it, pg_terminate_backend), or the lock file is deleted or
replaced. A standby then takes over while the first one still runs, and two schedulers share
one job store. So the active scheduler asks `still_held()` every few seconds and steps down
when it answers False."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
ADVISORY_KEY = 0x57_42_5343  # "WBSC": one scheduler per database

# pg_locks shows a one-key advisory lock as classid (high 32 bits), objid (low 32 bits) and
# objsubid 1. Asking for it on the lock's own connection proves both that the connection is
# alive and that this session still holds the lock.
HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND database = (SELECT oid FROM pg_database"
    " WHERE datname = current_database()) AND classid::bigint = :high"
    " AND objid::bigint = :low AND objsubid = 1)"
)


class LeaderLock:
    """`key` and `name` tell one lock from another (the Odoo sync holds one of its own)."""

    def __init__(self, engine: Engine, *, key: int = ADVISORY_KEY, name: str = "scheduler") -> None:
        self.engine = engine
        self.key = key
        self.name = name
        self._connection: Connection | None = None
        self._fd: int | None = None
        self._path: Path | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            if got.scalar():
                connection.commit()
                self._connection = connection
                return True
            connection.close()
            return False
        path = Path(f"{make_url(str(self.engine.url)).database}.{self.name}.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd, self._path = fd, path
        return True

    def still_held(self) -> bool:
        """Whether this process still holds the lock. A lost lock is let go of here (its dead
        connection closed, its stale file descriptor released), so `try_acquire` starts afresh."""
        held: bool
        if self._connection is not None:
            try:
                held = bool(
                    self._connection.execute(
                        HOLDS_LOCK, {"high": self.key >> 32, "low": self.key & 0xFFFFFFFF}
                    ).scalar()
                )
                self._connection.commit()
            except SQLAlchemyError as error:
                log.warning("the leader lock's connection failed: %s", type(error).__name__)
                held = False
            if not held:
                self._drop_connection()
            return held
        if self._fd is not None and self._path is not None:
            # flock belongs to the open file, not to the name: the lock is only worth anything
            # while the name still leads to the file this process locked.
            try:
                held = os.path.samestat(os.fstat(self._fd), os.stat(self._path))
            except FileNotFoundError:
                held = False
            if not held:
                self._drop_file()
            return held
        return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._connection.commit()
            except SQLAlchemyError:
                pass  # the lock went with the connection
            finally:
                self._drop_connection()
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._drop_file()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):  # a cut connection may fail to close
                self._connection.close()
        self._connection = None

    def _drop_file(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd = self._path = None
