"""Keystrokes while the hotline is busy: a supervisor on a call (the call bar ticking) with the
live wallboard open, 200 calls on the board and 50 agents, while call events keep arriving.

    python bench/keys_during_calls.py [--calls 200] [--agents 50] [--keys 200] [--rate 10]
        [--backend postgresql]

Key to frame is timed as bench/tui.py times it: a key event posted to the app until the next
frame is ready for the terminal (rendered to escape codes). Two screens:
  - the wallboard: Tab moves the focus between its panels (each press repaints);
  - the home screen: a digit typed into the search field (the echo is the frame), then
    Backspace, as an agent types a number while calls pop.
The floor, measured in the same run: the same keys on the same screens of an idle desk (no call,
no events). Each key waits for its frame, then a pause, as a person types. The issue's goal:
p99 under 50 ms with the call bar and the wallboard running. The CPU columns are the main
thread's CPU time over the same spans (the app's own work for a key, and whatever work it
waited behind); on a machine shared with other jobs the wall clock includes their turns too,
so the load average is printed with the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, update  # noqa: E402

from bench._common import fresh_database, machine, percentile  # noqa: E402
from bench.wallboard import _call, seed  # noqa: E402
from tests.factories import password_hash  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import SystemClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.members.models import Staff  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.telephony.models import Call  # noqa: E402

PASSWORD = "bench-password"


class Events:
    """Stores a call and notifies it every 1/rate seconds, as the webhook server does."""

    def __init__(self, wb, rate: float) -> None:
        self.wb, self.rate = wb, rate
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Events:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)

    def _run(self) -> None:
        events = self.wb.usecases.wallboard.events
        while not self.stop.wait(1 / self.rate):
            with self.wb.sessions() as session:
                row = Call(**_call(self.wb, self.wb.clock.now()))
                session.add(row)
                session.flush()
                events.publish(session, {"type": "incoming", "call_id": row.id})
                session.commit()
            self.sent += 1


async def timed_keys(app, pilot, keys: list[str], cpu: list[float] | None = None) -> list[float]:
    """Each key's time from its event to the next frame ready for the terminal, sorted; `cpu`
    (if given) gets the main thread's CPU time over the same span, per key: the app's own work,
    which a machine shared with other jobs slows much less than it does the wall clock."""
    from textual import events

    frame = asyncio.Event()
    display = app._display

    def timed_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is not None:  # headless: render the escape codes a terminal would get
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            frame.set()

    app._display = timed_display
    timings = []
    try:
        for key in keys:
            await pilot.pause(0.03)  # as a person types: a key, then a moment
            frame.clear()
            character = key if len(key) == 1 else None
            started, cpu_started = time.perf_counter(), time.thread_time()
            app.post_message(events.Key(key, character))
            await asyncio.wait_for(frame.wait(), 10)
            timings.append(time.perf_counter() - started)
            if cpu is not None:
                cpu.append(time.thread_time() - cpu_started)
    finally:
        app._display = display
    if cpu is not None:
        cpu.sort()
    return sorted(timings)


async def desk_keys(
    wb, keys: int, *, busy: bool, cpu: dict[str, list[float]]
) -> tuple[list[float], list[float], bool]:
    """(wallboard key timings, search-field key timings, whether the call bar showed); `cpu`
    gets each screen's main-thread CPU times per key."""
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.collector import freeze_startup_objects
    from workbench.tui.screens.home import HomeScreen
    from workbench.tui.screens.wallboard import WallboardScreen

    app = WorkbenchApp(wb)
    freeze_startup_objects()  # as `workbench tui` does (the first desk of the process)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.click("#username")
        await pilot.press(*"supervisor")
        await pilot.click("#password")
        await pilot.press(*PASSWORD, "enter")
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.01)
        await pilot.press("ctrl+b")
        while not (isinstance(app.screen, WallboardScreen) and app.screen.shown is not None):
            await pilot.pause(0.01)
        bar_shown = _call_bar_shown(app)
        board = await timed_keys(app, pilot, ["tab"] * keys, cpu.setdefault("wallboard", []))
        await pilot.press("escape")
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause(0.01)
        app.screen.query_one("#search-input").focus()
        typed = [str(n % 10) if n % 12 < 11 else "backspace" for n in range(keys)]
        search = await timed_keys(app, pilot, typed, cpu.setdefault("search", []))
        bar_shown = bar_shown and _call_bar_shown(app)
        del busy
    return board, search, bar_shown


def _call_bar_shown(app) -> bool:
    try:
        from workbench.tui.widgets.call_bar import CallBar
    except ImportError:
        return False
    return any(bar.display for bar in app.screen.query(CallBar))


def run(backend: str, calls: int, agents: int, keys: int, rate: float) -> None:
    with fresh_database(backend) as url:
        wb = build(
            load_settings(database_url=url),
            clock=SystemClock(),
            keyring=Keyring.generate(),
            telephony=True,
        )
        try:
            seed(wb, calls, agents, history=2_000)
            with wb.sessions() as session:
                session.execute(update(Staff).values(password_hash=password_hash(PASSWORD)))
                session.commit()
                supervisor = session.scalar(select(Staff).where(Staff.username == "supervisor"))
            floor_cpu: dict[str, list[float]] = {}
            busy_cpu: dict[str, list[float]] = {}
            floor_board, floor_search, _ = asyncio.run(
                desk_keys(wb, keys, busy=False, cpu=floor_cpu)
            )
            waiting = wb.usecases.calls.waiting(supervisor)
            wb.usecases.calls.take(supervisor, waiting[0].call_id)  # on a call: the call bar
            with Events(wb, rate) as events:
                board, search, bar = asyncio.run(desk_keys(wb, keys, busy=True, cpu=busy_cpu))
            run = (backend, calls, agents, rate, events.sent, bar)
            _report(*run, "wallboard", board, floor_board, busy_cpu, floor_cpu)
            _report(*run, "search", search, floor_search, busy_cpu, floor_cpu)
        finally:
            wb.dispose()


def _report(backend, calls, agents, rate, sent, bar, screen, timings, floor, cpu, floor_cpu):
    ms = 1000
    p50, p99 = percentile(timings, 0.5) * ms, percentile(timings, 0.99) * ms
    floor99 = percentile(floor, 0.99) * ms
    busy_cpu, idle_cpu = cpu[screen], floor_cpu[screen]
    print(
        f"| {backend} | {calls} | {agents} | {rate:g}/s ({sent} sent) | {'yes' if bar else 'no'} "
        f"| {screen} | {len(timings)} | {percentile(floor, 0.5) * ms:.1f} | {floor99:.1f} "
        f"| {p50:.1f} | {p99:.1f} | {p99 / floor99:.1f} "
        f"| {percentile(idle_cpu, 0.99) * ms:.1f} | {percentile(busy_cpu, 0.5) * ms:.1f} "
        f"| {percentile(busy_cpu, 0.99) * ms:.1f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--rate", type=float, default=10.0, help="call events a second")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="postgresql")
    args = parser.parse_args()
    print(machine(), f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        "| backend | calls | agents | events | call bar | screen | keys | floor p50 ms "
        "| floor p99 ms | p50 ms | p99 ms | p99 ratio | floor CPU p99 ms | CPU p50 ms "
        "| CPU p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.calls, args.agents, args.keys, args.rate)


if __name__ == "__main__":
    main()
