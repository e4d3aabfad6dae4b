"""`workbench complaints` (the escalation sweep, a complaint's timeline) and
`workbench report complaints` (its output shared with the other reports, cli/reports.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.reports import (
    FORMAT_HELP,
    FROM_HELP,
    OUTPUT_HELP,
    SHEETS,
    TO_HELP,
    check_format,
    legend,
    period_from_options,
    print_csv,
    print_json,
    report_app,
    report_format,
    shown,
)
from workbench.cli.state import state
from workbench.views.complaints import ComplaintCard

app = typer.Typer(help="Complaint tickets.", no_args_is_help=True)
console = SafeConsole(highlight=False)


@app.command("sweep")
def sweep_command() -> None:
    """Escalate complaints whose next rung is due (safe to run again, or twice at once)."""
    result = state.workbench().usecases.complaints.sweep()
    console.print(
        f"{result.escalations} escalations on {result.complaints} complaints", markup=False
    )


@app.command("show")
def show_command(complaint_no: str = typer.Argument(...)) -> None:
    """A complaint's state, SLA due times, timeline (text for its handler and managers) and its
    calls, messages and callback tasks."""
    wb = state.workbench()
    card = wb.usecases.complaints.card(state.staff(), complaint_no)
    zone = wb.settings.timezone
    console.print(
        Text(
            f"{card.complaint_no} · {card.state} · round {card.round} · "
            f"{card.category} · {card.priority}"
        )
    )
    console.print(Text(_due_line(card, zone)))
    # The steps this person may take now (state and role), as the TUI offers them.
    steps = wb.usecases.complaints.steps_allowed(state.staff(), complaint_no)
    console.print(Text(f"next steps: {', '.join(steps) or '-'}"))
    table = Table()
    for column in ("time", "step", "state", "round", "staff", "note"):
        table.add_column(column)
    for entry in card.timeline:
        table.add_row(
            f"{entry.at.astimezone(zone):%Y-%m-%d %H:%M}",
            entry.action,
            entry.to_state,
            str(entry.round),
            Text(entry.staff),
            Text("-" if entry.note is None else entry.note),
        )
    console.print(table)
    linked = Table(title="calls, messages and callbacks")
    for column in ("time", "kind", "ref", "what"):
        linked.add_column(column)
    for record in card.links:
        linked.add_row(
            f"{record.at.astimezone(zone):%Y-%m-%d %H:%M}",
            record.kind,
            Text(record.ref),
            Text(record.summary or "-"),
        )
    console.print(linked if card.links else Text("no calls, messages or callbacks linked"))


def _due_line(card: ComplaintCard, zone: tzinfo) -> str:
    """The SLA clocks: when each is due, or that it is met, stopped or not running."""

    def at(value: datetime | None) -> str:
        return f"{value.astimezone(zone):%Y-%m-%d %H:%M}" if value is not None else "-"

    if card.first_response_at is not None:
        first = f"given {at(card.first_response_at)}"
    else:
        first = f"due {at(card.first_response_due)}"
    if card.closed_at is not None:
        return f"first response {first} · closed {at(card.closed_at)}"
    reply = f"due {at(card.next_reply_due)}" if card.next_reply_due else "-"
    resolution = f"due {at(card.resolution_due)}" if card.resolution_due else "paused"
    return f"first response {first} · next reply {reply} · resolution {resolution}"


@report_app.command("complaints")
def report_complaints(
    start: str = typer.Option(None, "--from", help=FROM_HELP),
    end: str = typer.Option(None, "--to", help=TO_HELP),
    store: str = typer.Option(None, "--store", help="Only this store."),
    fmt: str = typer.Option(None, "--format", help=FORMAT_HELP),
    output: str = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
) -> None:
    """Complaint figures for a period."""
    fmt = report_format(fmt, output)
    export = check_format(fmt, output)
    wb = state.workbench()
    period = period_from_options(wb, start, end)
    staff = state.staff()
    report = wb.usecases.complaints.report(
        staff, start=period.start, end=period.end, store_code=store, export=export
    )
    data = report.to_dict()
    if fmt == "json":
        print_json(data, staff, wb, output=output)
    elif fmt in SHEETS:
        rows = []
        for key, value in data.items():
            if isinstance(value, dict):
                rows += [
                    [key, sub, ",".join(n) if isinstance(n, list) else n]
                    for sub, n in value.items()
                ]
            else:
                rows.append([key, "", value])
        header = ["figure", "key", "value"]
        print_csv("complaint report", staff, wb, header, rows, fmt=fmt, output=output)
    else:
        first, last = period.days(wb.settings.timezone)
        _print_table(data, wb.settings.protection_min_group_size, f"complaints {first} – {last}")


COUNTS = {"total", "closed", "open", "responded", "resolved", "repeat_complainers"}


def _print_table(data: Mapping[str, Any], minimum: int, title: str) -> None:
    """`data`: ComplaintReport.to_dict(), figures and tables of figures."""
    summary = Table(title=title, show_header=False)
    hidden = set(data.get("hidden") or ())
    complements: dict[str, list[str]] = data.get("complements") or {}
    for key, value in data.items():
        if not isinstance(value, (dict, list)) and key not in ("start", "end"):
            # "<minimum" only for a count that is under it; a rate or a time computed over
            # too few complaints is "hidden" (it is not itself under the minimum).
            small = key in COUNTS
            why = ("small" if small else "group") if key in hidden else None
            summary.add_row(key, shown(value, minimum, why))
    console.print(summary)
    for key, value in data.items():
        if isinstance(value, dict) and value and key not in ("weekly", "complements"):
            table = Table(title=key)
            table.add_column(key.removeprefix("by_"))
            table.add_column("count")
            gone = set(complements.get(key, ()))
            for sub, n in value.items():
                why = "complement" if str(sub) in gone else "small"
                table.add_row(Text(str(sub)), shown(n, minimum, why))
            console.print(table)
    weekly = data["weekly"]
    if weekly:
        peak = max((n or 0 for n in weekly.values()), default=0) or 1
        console.print("weekly trend", markup=False)
        gone = set(complements.get("weekly", ()))
        for week, n in weekly.items():
            why = "complement" if week in gone else "small"
            bar = "█" * round(20 * (n or 0) / peak)
            console.print(f"  {week} {bar} {shown(n, minimum, why)}", markup=False)
    console.print(legend(minimum), markup=False)
