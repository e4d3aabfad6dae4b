"""Who may run the scheduler: a lock held for as long as the active scheduler lives.

PostgreSQL: a session-level advisory lock on a dedicated connection; the server drops it when
the process dies, so a standby takes over. SQLite: an exclusive lock on a file beside the
database, which the operating system drops with the process."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

ADVISORY_KEY = 0x57_42_5343  # "WBSC": one scheduler per database


class LeaderLock:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            connection = self.engine.connect()
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            if got.scalar():
                connection.commit()
                self._connection = connection
                return True
            connection.close()
            return False
        path = Path(f"{make_url(str(self.engine.url)).database}.scheduler.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
