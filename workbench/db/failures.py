"""Database failures a person can act on: a schema that is not there yet, a SQLite file another
process holds locked, a server that cannot be reached. `explain` turns the driver's exception
into one of these typed errors (or None: a failure nobody can act on, to be logged)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import exc as sa_exc

from workbench.errors import WorkbenchError


class DatabaseError(WorkbenchError):
    """A database problem with a message that says what to do."""


class SchemaMissing(DatabaseError):
    def __init__(self) -> None:
        super().__init__(
            "the database has no workbench tables (or an older version of them): "
            "run `workbench db upgrade`"
        )


class DatabaseBusy(DatabaseError):
    def __init__(self, holders: list[str]) -> None:
        held = f" (held by {', '.join(holders)})" if holders else ""
        super().__init__(
            f"the database is locked by another process{held}; it stayed locked longer than "
            "[database] busy_timeout_seconds: try again when that process has finished"
        )
        self.holders = holders


class DatabaseUnreachable(DatabaseError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            f"cannot reach the database ({detail}): check [database] url and that the server runs"
        )


_MISSING = ("no such table", "no such column", "does not exist", "undefinedtable")
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "could not translate host name",
    "connection timeout",
    "timeout expired",
    "server closed the connection",
    "unable to open database file",
    "name or service not known",
)


def explain(error: BaseException, *, sqlite_path: Path | None = None) -> DatabaseError | None:
    """The typed error for a driver exception, or None if it is not one a person can fix."""
    if isinstance(error, DatabaseError):
        return error
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    text = str(error.orig if error.orig is not None else error).lower()
    name = type(error.orig).__name__.lower() if error.orig is not None else ""
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseBusy(lock_holders(sqlite_path) if sqlite_path else [])
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) and any(
        marker in text for marker in _UNREACHABLE
    ):
        return DatabaseUnreachable(_first_line(text))
    if isinstance(error, sa_exc.OperationalError | sa_exc.ProgrammingError) and (
        any(marker in text for marker in _MISSING[:2])
        or (name == "undefinedtable")
        or ("relation" in text and "does not exist" in text)
    ):
        return SchemaMissing()
    return None


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "no answer"
    return line[:160]


def lock_holders(database: Path) -> list[str]:
    """Other processes with the SQLite file (or its WAL) open, as 'pid 123 (workbench odoo
    pull)'; read from /proc, so empty where there is none (not Linux) or we may not look."""
    try:
        targets = {str(database.resolve())}
    except OSError:
        return []
    targets |= {t + "-wal" for t in targets}
    holders = []
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            opened = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
            if not opened & targets:
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        holders.append(f"pid {entry.name} ({_short_command(command)})")
    return sorted(holders)


def _short_command(command: str) -> str:
    """The program and its sub-commands only: option values may be a member's phone number."""
    words = command.split()
    for index, word in enumerate(words):
        if word.rsplit("/", 1)[-1] == "workbench":
            names = [w for w in words[index + 1 :] if w.isalpha()][:3]
            return " ".join(["workbench", *names])
    return words[0].rsplit("/", 1)[-1][:40] if words else "?"
