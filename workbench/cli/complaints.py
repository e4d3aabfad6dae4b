"""`workbench complaints` (the escalation sweep, a complaint's timeline) and
`workbench report complaints` (its output shared with the other reports, cli/reports.py)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.cli.reports import (
    FORMAT_HELP,
    FROM_HELP,
    TO_HELP,
    check_format,
    period_from_options,
    print_csv,
    print_json,
    report_app,
)
from workbench.cli.state import state
from workbench.complaints.escalation import sweep
from workbench.views.complaint_story import story

app = typer.Typer(help="Complaint tickets.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("sweep")
def sweep_command() -> None:
    """Escalate complaints whose next rung is due (safe to run again, or twice at once)."""
    wb = state.workbench()
    result = sweep(wb.sessions, wb.complaints)
    console.print(
        f"{result.escalations} escalations on {result.complaints} complaints", markup=False
    )


@app.command("show")
def show_command(complaint_no: str = typer.Argument(...)) -> None:
    """A complaint's state, SLA due times, timeline (text for its handler and managers) and its
    calls, messages and callback tasks."""
    wb = state.workbench()
    staff = state.staff()
    zone = wb.settings.timezone
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, complaint_no)
        events = wb.complaints.history(session, complaint)
        readable = wb.complaints.can_read_text(staff, complaint)
        console.print(
            Text(
                f"{complaint.complaint_no} · {complaint.state} · round {complaint.round} · "
                f"{complaint.category} · {complaint.priority}"
            )
        )
        console.print(Text(_due_line(complaint, zone)))
        allowed = ", ".join(a.value for a in wb.complaints.allowed(complaint)) or "-"
        console.print(Text(f"next steps: {allowed}"))
        table = Table()
        for column in ("time", "step", "state", "round", "staff", "note"):
            table.add_column(column)
        for event in events:
            note = "-"
            if event.note_enc:
                note = (
                    wb.complaints.read_text(staff, complaint, event.note_enc) if readable else "…"
                )
            table.add_row(
                f"{event.at.astimezone(zone):%Y-%m-%d %H:%M}",
                event.action,
                event.to_state,
                str(event.round),
                str(event.staff_id or "-"),
                Text(note),
            )
        console.print(table)
        links = story(session, complaint)
    linked = Table(title="calls, messages and callbacks")
    for column in ("time", "kind", "ref", "what"):
        linked.add_column(column)
    for record in links:
        linked.add_row(
            f"{record.at.astimezone(zone):%Y-%m-%d %H:%M}",
            record.kind,
            Text(record.ref),
            Text(record.summary or "-"),
        )
    console.print(linked if links else Text("no calls, messages or callbacks linked"))


def _due_line(complaint, zone) -> str:
    """The SLA clocks: when each is due, or that it is met, stopped or not running."""

    def at(value) -> str:
        return f"{value.astimezone(zone):%Y-%m-%d %H:%M}"

    if complaint.first_response_at is not None:
        first = f"given {at(complaint.first_response_at)}"
    else:
        first = f"due {at(complaint.first_response_due)}"
    if complaint.closed_at is not None:
        return f"first response {first} · closed {at(complaint.closed_at)}"
    reply = f"due {at(complaint.next_reply_due)}" if complaint.next_reply_due else "-"
    resolution = f"due {at(complaint.resolution_due)}" if complaint.resolution_due else "paused"
    return f"first response {first} · next reply {reply} · resolution {resolution}"


@report_app.command("complaints")
def report_complaints(
    start: str = typer.Option(None, "--from", help=FROM_HELP),
    end: str = typer.Option(None, "--to", help=TO_HELP),
    store: str = typer.Option(None, "--store", help="Only this store."),
    fmt: str = typer.Option("table", "--format", help=FORMAT_HELP),
) -> None:
    """Complaint figures for a period."""
    export = check_format(fmt)
    wb = state.workbench()
    period = period_from_options(wb, start, end)
    staff = state.staff()
    report = wb.complaint_reports.report(
        staff, start=period.start, end=period.end, store_code=store, export=export
    )
    data = report.to_dict()
    if fmt == "json":
        print_json(data, staff, wb)
    elif fmt == "csv":
        rows = []
        for key, value in data.items():
            if isinstance(value, dict):
                rows += [[key, sub, n] for sub, n in value.items()]
            else:
                rows.append([key, "", value])
        print_csv("complaint report", staff, wb, ["figure", "key", "value"], rows)
    else:
        first, last = period.days(wb.settings.timezone)
        _print_table(data, wb.settings.protection_min_group_size, f"complaints {first} – {last}")


def _print_table(data: dict, minimum: int, title: str) -> None:
    summary = Table(title=title, show_header=False)
    hidden = set(data.get("hidden") or ())
    for key, value in data.items():
        if not isinstance(value, (dict, list)) and key not in ("start", "end"):
            shown = f"<{minimum}" if key in hidden else "-" if value is None else str(value)
            summary.add_row(key, shown)
    console.print(summary)
    for key, value in data.items():
        if isinstance(value, dict) and value and key != "weekly":
            table = Table(title=key)
            table.add_column(key.removeprefix("by_"))
            table.add_column("count")
            for sub, n in value.items():
                table.add_row(Text(str(sub)), f"<{minimum}" if n is None else str(n))
            console.print(table)
    weekly = data["weekly"]
    if weekly:
        peak = max((n or 0 for n in weekly.values()), default=0) or 1
        console.print("weekly trend", markup=False)
        for week, n in weekly.items():
            console.print(f"  {week} {'█' * round(20 * (n or 0) / peak)} {n}", markup=False)
