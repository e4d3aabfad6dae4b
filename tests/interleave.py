"""Two sessions, interleaved: the first does its part and holds its transaction open; the second
then tries the same thing. With the right lock the second waits (on PostgreSQL it is seen
waiting on a lock) and runs its check only once the first has committed.

    seen = interleave(wb, first=lambda session: ..., second=lambda: desk.pick_up(...))
    assert seen.second_after_first and "only 2 held" in str(seen.second)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session

from workbench.usecases.base import UnitOfWork

WAIT = 10.0  # seconds: a bound on each wait, not a delay


@dataclass
class Interleaved:
    second: object  # what the second returned, or the exception it raised
    second_after_first: bool  # the second finished only once the first was done


def waiting_on_a_lock(wb) -> bool:
    """Some session of this database waits on a row lock (PostgreSQL)."""
    with wb.engine.connect() as connection:
        query = text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return bool(connection.execute(query).scalar())


def interleave(wb, first: Callable[[Session], object], second: Callable[[], object]) -> Interleaved:
    first_did, second_trying, first_finishing = (threading.Event() for _ in range(3))
    errors: list[str] = []
    seen: dict[str, object] = {}

    def session_a() -> None:
        try:
            with UnitOfWork(wb.sessions).write() as session:
                first(session)
                first_did.set()
                if not second_trying.wait(WAIT):
                    errors.append("the second session never started")
                if wb.engine.dialect.name == "postgresql":
                    for _ in range(2000):
                        if waiting_on_a_lock(wb):
                            break
                    else:
                        errors.append("the second session never waited on a lock")
                # Set before the commit: the second cannot get past the lock until it is done.
                first_finishing.set()
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            first_did.set()

    def session_b() -> None:
        first_did.wait(WAIT)
        second_trying.set()
        try:
            seen["second"] = second()
        except Exception as exc:  # the refusal expected, or what went wrong instead
            seen["second"] = exc
        seen["after"] = first_finishing.is_set()

    threads = [threading.Thread(target=session_a), threading.Thread(target=session_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * WAIT)
    assert not errors, errors
    return Interleaved(seen.get("second"), bool(seen.get("after")))
