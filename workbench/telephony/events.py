"""Call events (screen pops) from the webhook server to the agents' workbenches.

On PostgreSQL an event is a NOTIFY sent inside the transaction that stores the call, so it is
delivered at commit (never for a call that was not stored) to every process that LISTENs. On
SQLite, a single-machine deployment, the event goes to listeners in the same process after the
commit. An event carries ids only: no numbers, no names."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

if TYPE_CHECKING:  # psycopg is loaded when a PostgreSQL listener starts
    import psycopg
    from psycopg.rows import TupleRow

log = logging.getLogger(__name__)
CHANNEL = "workbench_calls"

# What one event says: its type ("incoming", "taken", "ended", "member_leg") and ids, or a
# member leg's status. Plain JSON values, as NOTIFY carries them.
CallEvent = dict[str, str | int | None]
CallEventHandler = Callable[[CallEvent], None]


class LocalCallEvents:
    """In-process delivery, after the publishing transaction commits."""

    def __init__(self) -> None:
        self._queues: list[queue.Queue[CallEvent]] = []
        self._lock = threading.Lock()

    def publish(self, session: Session, payload: CallEvent) -> None:
        def deliver(_session: Session) -> None:
            with self._lock:
                for waiting in self._queues:
                    waiting.put(payload)

        event.listen(session, "after_commit", deliver, once=True)

    def listen(
        self,
        handler: CallEventHandler,
        stop: threading.Event,
        ready: threading.Event | None = None,
    ) -> None:
        inbox: queue.Queue[CallEvent] = queue.Queue()
        with self._lock:
            self._queues.append(inbox)
        if ready is not None:
            ready.set()
        try:
            while not stop.is_set():
                try:
                    handler(inbox.get(timeout=0.2))
                except queue.Empty:
                    continue
        finally:
            with self._lock:
                self._queues.remove(inbox)


class PostgresCallEvents:
    """LISTEN/NOTIFY on a channel of the project's database."""

    def __init__(self, url: str) -> None:
        # psycopg takes the libpq form of the URL, without SQLAlchemy's driver suffix.
        self._dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def publish(self, session: Session, payload: CallEvent) -> None:
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": json.dumps(payload)},
        )

    def listen(
        self,
        handler: CallEventHandler,
        stop: threading.Event,
        ready: threading.Event | None = None,
    ) -> None:
        """Until `stop`: a lost connection (a database restart, a network blip) is reopened,
        so pops resume; the workbench's poll of waiting calls covers the gap."""
        import psycopg

        delay = 0.5
        while not stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    delay = 0.5
                    if ready is not None:
                        ready.set()
                    self._deliver(connection, handler, stop)
            except psycopg.OperationalError:
                if stop.wait(delay):
                    return
                log.warning("call events: connection lost, listening again")
                delay = min(delay * 2, 10.0)

    @staticmethod
    def _deliver(
        connection: psycopg.Connection[TupleRow],
        handler: CallEventHandler,
        stop: threading.Event,
    ) -> None:
        while not stop.is_set():
            for notice in connection.notifies(timeout=0.2):
                try:
                    event = json.loads(notice.payload)
                except ValueError:
                    log.warning("ignored a call event that is not JSON")
                    continue
                handler(event)


_local_buses: dict[str, LocalCallEvents] = {}
_local_lock = threading.Lock()


CallEvents = LocalCallEvents | PostgresCallEvents


def call_events_for(engine: Engine) -> CallEvents:
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return PostgresCallEvents(url.render_as_string(hide_password=False))
    with _local_lock:  # one bus per database within a process: server and TUI share it
        return _local_buses.setdefault(str(url), LocalCallEvents())
