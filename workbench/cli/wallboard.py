"""`workbench wallboard`: the live wallboard's figures (a store manager's: their store's part) as
tables or JSON; `--watch` prints them again whenever a call event says they changed, until
Ctrl+C."""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import tzinfo
from typing import Any

import typer
from rich.table import Table

from workbench.cli.output import SafeConsole, cell, print_json
from workbench.cli.state import state
from workbench.views.wallboard import QueueFigures, WallboardFigures

console = SafeConsole(highlight=False, soft_wrap=True)


def wallboard_command(
    as_json: bool = typer.Option(False, "--json", help="The figures as JSON."),
    watch: bool = typer.Option(False, "--watch", help="Print again on each change, until Ctrl+C."),
) -> None:
    """Calls waiting, service level, abandonment, handle time, callbacks due, complaints about
    to breach and agents by state, today (supervisors, admins; store managers: their store)."""
    wb = state.workbench()
    staff = state.staff()
    desk = wb.usecases.wallboard
    zone = wb.settings.timezone
    show = _print_json if as_json else (lambda figures: _print_tables(figures, zone))
    if not watch:
        show(desk.figures(staff))
        return
    stop = threading.Event()
    listening = threading.Thread(
        target=desk.listen, args=(staff, show, stop), name="wallboard", daemon=True
    )
    listening.start()
    try:
        while listening.is_alive():
            listening.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        listening.join(timeout=5)


def as_dict(figures: WallboardFigures) -> dict[str, Any]:
    """The figures with the rates each queue's counts give, times as ISO 8601."""
    data = asdict(figures)
    data["at"] = figures.at.isoformat()
    data["queues"] = [_queue(q) for q in figures.queues]
    data["total"] = _queue(figures.total)
    return data


def _queue(q: QueueFigures) -> dict[str, Any]:
    return asdict(q) | {
        "service_level_pct": q.service_level_pct,
        "abandoned_pct": q.abandoned_pct,
        "average_handle_seconds": q.average_handle_seconds,
    }


def _print_json(figures: WallboardFigures) -> None:
    print_json(as_dict(figures))


def _print_tables(figures: WallboardFigures, zone: tzinfo) -> None:
    at = figures.at.astimezone(zone).isoformat(timespec="seconds")
    queues = Table(title=f"wallboard at {at}")
    queues.add_column("queue", no_wrap=True)
    for name in ("waiting", "longest s", "offered", "SL", "abandoned", "AHT s"):
        queues.add_column(name, justify="right")
    for q in (*figures.queues, figures.total):
        queues.add_row(
            cell("all queues" if q is figures.total else q.queue),
            cell(q.waiting),
            cell(q.longest_wait_seconds),
            cell(q.offered),
            cell(_pct(q.service_level_pct)),
            cell(_pct(q.abandoned_pct)),
            cell(q.average_handle_seconds),
        )
    console.print(queues)
    console.print(
        f"service level: answered within {figures.service_level_seconds} s · "
        f"callbacks due: {figures.callbacks_due} · complaints at risk: "
        f"{figures.complaints_at_risk}, overdue: {figures.complaints_overdue}",
        markup=False,
    )
    agents = ", ".join(f"{state}: {n}" for state, n in figures.agents.items())
    console.print(f"agents: {agents}", markup=False)


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value}%"


def register(app: typer.Typer) -> None:
    app.command("wallboard")(wallboard_command)
