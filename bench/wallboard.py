"""The live wallboard's refresh: from a call event's commit to the figures delivered to the
screen, with `--calls` calls of today on the board and `--agents` agents signed in.

    python bench/wallboard.py [--calls 200] [--agents 50] [--history 20000] [--events 100]
        [--backend postgresql]

The board runs as a supervisor's screen runs it (`WallboardDesk.listen`, on PostgreSQL by
LISTEN/NOTIFY). Each event is a call stored and notified in one transaction, as the webhook
server does; the next event waits for that one's figures and the debounce pause, so each
figure is one event's whole path. `--history` older calls sit in the table as on a hotline that
has run a while. The floor, measured in the same run: a bare count of the calls of the last 12 hours.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from sqlmodel import col  # noqa: E402

from bench._common import (  # noqa: E402
    analyze,
    fresh_database,
    insert_stores_and_staff,
    machine,
    percentile,
    timed,
)
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import SystemClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo import bulk  # noqa: E402
from workbench.members.models import Role, Staff  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.telephony.models import Call  # noqa: E402
from workbench.telephony.presence_models import AgentPresence  # noqa: E402

STATES = ("available", "on_call", "wrap_up", "break")


def _call(wb, started, answered=None, ended=None, queue_name="hotline"):
    return {
        "call_sid": "CA" + uuid.uuid4().hex,
        "direction": "inbound",
        "from_enc": wb.cipher.encrypt("call.from", "+8613900000001"),
        "to_enc": wb.cipher.encrypt("call.to", "+864008000800"),
        "status": "completed" if ended else "in-progress",
        "queue": queue_name,
        "started_at": started,
        "answered_at": answered,
        "ended_at": ended,
        "voicemail": False,
    }


def seed(wb, calls: int, agents: int, history: int) -> None:
    now = wb.clock.now()
    people = [("supervisor", Role.SUPERVISOR, None)]
    people += [(f"agent{n:03d}", Role.AGENT, 1) for n in range(agents)]
    old = [
        _call(wb, now - timedelta(days=1 + n % 60, minutes=n % 600), now, now)
        for n in range(history)
    ]
    today = []
    for n in range(calls):
        started = now - timedelta(minutes=3 * n % 480, seconds=n)
        if n % 5 == 0:  # waiting
            today.append(_call(wb, started, queue_name="complaints" if n % 2 else "hotline"))
        elif n % 7 == 0:  # abandoned
            today.append(_call(wb, started, None, started + timedelta(seconds=40)))
        else:
            answered = started + timedelta(seconds=n % 45)
            today.append(_call(wb, started, answered, answered + timedelta(seconds=200 + n)))
    with wb.engine.begin() as connection:
        insert_stores_and_staff(connection, 1, people, now)
        bulk.bulk_insert(connection, Call.__table__, old + today)
        bulk.bulk_insert(
            connection,
            AgentPresence.__table__,
            [
                {"staff_id": n + 2, "state": STATES[n % 4], "since": now, "call_id": None}
                for n in range(agents)
            ],
        )
    analyze(wb.engine)


def run(backend: str, calls: int, agents: int, history: int, events: int) -> None:
    with fresh_database(backend) as url:
        settings = load_settings(database_url=url)
        wb = build(settings, clock=SystemClock(), keyring=Keyring.generate())
        try:
            seed(wb, calls, agents, history)
            _measure(wb, backend, calls, agents, history, events)
        finally:
            wb.dispose()


def _measure(wb, backend, calls, agents, history, events) -> None:
    desk = wb.usecases.wallboard
    with wb.sessions() as session:
        supervisor = session.get(Staff, 1)
    arrived: queue.Queue[float] = queue.Queue()
    stop = threading.Event()
    listener = threading.Thread(
        target=desk.listen,
        args=(supervisor, lambda _f: arrived.put(time.perf_counter()), stop),
        daemon=True,
    )
    listener.start()
    arrived.get(timeout=30)  # listening; the first figures
    latencies = []
    try:
        for _ in range(events):
            with wb.sessions() as session:
                row = Call(**_call(wb, wb.clock.now()))
                session.add(row)
                session.flush()
                desk.events.publish(session, {"type": "incoming", "call_id": row.id})
                sent = time.perf_counter()
                session.commit()
            latencies.append(arrived.get(timeout=30) - sent)
            time.sleep(desk.min_interval)  # pace: past the debounce pause, one event a read
    finally:
        stop.set()
        listener.join(timeout=5)
    floors = []
    for _ in range(events):
        with wb.sessions() as session:
            seconds, _ = timed(
                lambda: session.execute(
                    select(func.count())
                    .select_from(Call)
                    .where(col(Call.started_at) >= wb.clock.now() - timedelta(hours=12))
                ).scalar_one()
            )
            floors.append(seconds)
    latencies.sort()
    floors.sort()
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    floor = percentile(floors, 0.99) * 1000
    print(
        f"{backend}: {calls} calls today, {history} older, {agents} agents, {events} events — "
        f"event to figures p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"floor (a bare count of the last 12 h's calls) p99 {floor:.2f} ms; ratio {p99 / floor:.0f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    args = parser.parse_args()
    print(machine())
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.calls, args.agents, args.history, args.events)


if __name__ == "__main__":
    main()
