"""Unexpected failures: logged once with a short id and the traceback (in the log file, never on
a screen), so a person is told what to do and an administrator can find what happened."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from workbench.db.failures import explain
from workbench.errors import WorkbenchError
from workbench.logs import log_file

log = logging.getLogger("workbench.incidents")


def record_incident(error: BaseException, *, where: str) -> str:
    incident = uuid.uuid4().hex[:8]
    log.error("incident %s in %s: %s", incident, where, type(error).__name__, exc_info=error)
    return incident


def unexpected_message(incident: str) -> str:
    path = log_file()
    where = f" in {path}" if path else ""
    return (
        f"something went wrong; it was logged as {incident}{where}. Try again, and if it "
        "happens again give that id to your administrator."
    )


def person_facing(
    error: BaseException, *, where: str, sqlite_path: Path | None = None
) -> tuple[WorkbenchError | None, str]:
    """(the typed error, its message) for a failure a person can act on, or (None, the
    'something went wrong' message with the incident id) for anything else, after logging it."""
    typed = error if isinstance(error, WorkbenchError) else explain(error, sqlite_path=sqlite_path)
    if typed is not None:
        return typed, str(typed)
    return None, unexpected_message(record_incident(error, where=where))
