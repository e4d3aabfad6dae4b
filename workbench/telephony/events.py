"""Call events (screen pops) from the webhook server to the agents' workbenches.

On PostgreSQL an event is a NOTIFY sent inside the transaction that stores the call, so it is
delivered at commit (never for a call that was not stored) to every process that LISTENs; the
incoming call's pop is sent just after its commit instead (`announce`: a NOTIFY in the
transaction makes commits wait for one another). On
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
# announce's batch, in order (unnest's); its transaction commits without waiting for the WAL.
NOTIFY_ALL = (
    "SELECT set_config('synchronous_commit', 'off', true), pg_notify(%s, payload)"
    " FROM unnest(%s::text[]) AS payload"
)

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

    def announce(self, payload: CallEvent) -> None:
        """The event, for a caller that has committed the transaction storing what it reports."""
        with self._lock:
            for waiting in self._queues:
                waiting.put(payload)

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
        # announce's queue of JSON payloads and the thread that sends them.
        self._sending = threading.Lock()
        self._queued = threading.Condition(self._sending)
        self._outbox: list[str] = []
        self._sender: threading.Thread | None = None
        self._closed = False

    def publish(self, session: Session, payload: CallEvent) -> None:
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": CHANNEL, "payload": json.dumps(payload)},
        )

    def announce(self, payload: CallEvent) -> None:
        """The event, for a caller that has committed the transaction storing what it reports
        (so it never goes out for a call that was not stored), sent without holding the caller
        up: a thread of this process sends what has queued, in one statement, on a connection
        of its own, in a transaction that does not wait for its WAL flush. A NOTIFY inside a
        transaction holds PostgreSQL's one lock on the notification queue from its commit's
        start to its end, the WAL flush included, so transactions that notify commit one at a
        time, whatever the number of processes (measured here: 200 inserts from 20 sessions
        in 83-175 ms, 300-320 ms with a NOTIFY in each). The incoming call's pop, the busiest,
        goes this way; should the process die before it is sent, the agents' poll of waiting
        calls shows the call. Events that cannot be sent are logged and dropped."""
        with self._sending:
            self._outbox.append(json.dumps(payload))
            if self._sender is None or not self._sender.is_alive():
                self._sender = threading.Thread(
                    target=self._send_queued, name="call-events", daemon=True
                )
                self._sender.start()
            self._queued.notify()

    def _send_queued(self) -> None:
        import psycopg

        connection: psycopg.Connection[TupleRow] | None = None
        try:
            while True:
                with self._sending:
                    while not self._outbox and not self._closed:
                        self._queued.wait()
                    if self._closed:
                        return
                    payloads, self._outbox = self._outbox, []
                for _attempt in range(2):  # a connection lost since the last batch: another
                    try:
                        if connection is None or connection.closed:
                            connection = psycopg.connect(
                                self._dsn, autocommit=True, connect_timeout=5
                            )
                        connection.execute(NOTIFY_ALL, (CHANNEL, payloads))
                        break
                    except psycopg.Error:
                        if connection is not None:
                            connection.close()
                        connection = None
                else:
                    log.warning("call events: %d events could not be sent", len(payloads))
        finally:
            if connection is not None:
                connection.close()

    def close(self) -> None:
        """Stop announce's thread (the engine's dispose does); events not yet sent are dropped."""
        with self._sending:
            self._closed = True
            self._queued.notify()
            sender = self._sender
        if sender is not None:
            sender.join(5)

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
        bus = PostgresCallEvents(url.render_as_string(hide_password=False))
        event.listen(engine, "engine_disposed", lambda _engine: bus.close())
        return bus
    with _local_lock:  # one bus per database within a process: server and TUI share it
        return _local_buses.setdefault(str(url), LocalCallEvents())
