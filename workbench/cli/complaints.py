"""`workbench complaints` (the escalation sweep, a complaint's timeline) and
`workbench report complaints`."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.cli.state import state
from workbench.errors import ValidationError
from workbench.tickets.escalation import sweep

app = typer.Typer(help="Complaint tickets.", no_args_is_help=True)
report_app = typer.Typer(help="Reports (aggregates only).", no_args_is_help=True)
console = Console(highlight=False)


@app.command("sweep")
def sweep_command() -> None:
    """Escalate complaints whose next rung is due (safe to run again, or twice at once)."""
    wb = state.workbench()
    result = sweep(wb.sessions, wb.complaints)
    console.print(f"{result.escalations} escalations on {result.complaints} complaints",
                  markup=False)  # fmt: skip


@app.command("show")
def show_command(complaint_no: str = typer.Argument(...)) -> None:
    """A complaint's state, SLA due times and timeline (text for its handler and managers)."""
    wb = state.workbench()
    staff = state.staff()
    zone = wb.settings.timezone
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, complaint_no)
        events = wb.complaints.history(session, complaint)
        readable = wb.complaints.can_read_text(staff, complaint)
        due = complaint.resolution_due
        due_text = f"due {due.astimezone(zone):%Y-%m-%d %H:%M}" if due else "paused"
        console.print(
            Text(f"{complaint.complaint_no} · {complaint.state} · round {complaint.round} · "
                 f"{complaint.category} · {complaint.priority} · resolution {due_text}")
        )  # fmt: skip
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
                f"{event.at.astimezone(zone):%Y-%m-%d %H:%M}", event.action, event.to_state,
                str(event.round), str(event.staff_id or "-"), Text(note),
            )  # fmt: skip
        console.print(table)


def _parse_day(value: str, name: str, zone) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone)
    except ValueError:
        raise ValidationError(name, "a date as YYYY-MM-DD") from None


@report_app.command("complaints")
def report_complaints(
    start: str = typer.Option(None, "--from", help="First day (default: a year ago)."),
    end: str = typer.Option(None, "--to", help="Day after the last (default: tomorrow)."),
    store: str = typer.Option(None, "--store", help="Only this store."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json"),
) -> None:
    """Complaint figures for a period. csv and json are exports (export roles only)."""
    if fmt not in ("table", "csv", "json"):
        raise ValidationError("format", "table, csv or json")
    wb = state.workbench()
    zone = wb.settings.timezone
    today = wb.clock.now().astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    until = _parse_day(end, "to", zone) if end else today + timedelta(days=1)
    since = _parse_day(start, "from", zone) if start else until - timedelta(days=365)
    staff = state.staff()
    report = wb.complaint_reports.report(staff, start=since.astimezone(UTC),
                                         end=until.astimezone(UTC), store_code=store,
                                         export=fmt != "table")  # fmt: skip
    data = report.to_dict()
    if fmt == "json":
        data["exported_by"] = staff.username
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        out = io.StringIO()
        out.write(f"# complaint report exported by {staff.username} at "
                  f"{wb.clock.now().isoformat()}\n")  # fmt: skip
        writer = csv.writer(out)
        writer.writerow(["figure", "key", "value"])
        for key, value in data.items():
            if isinstance(value, dict):
                for sub, n in value.items():
                    writer.writerow([key, sub, "" if n is None else n])
            else:
                writer.writerow([key, "", "" if value is None else value])
        print(out.getvalue(), end="")
    else:
        _print_table(data, wb.settings.protection_min_group_size)


def _print_table(data: dict, minimum: int) -> None:
    summary = Table(
        title=f"complaints {data['start'][:10]} – {data['end'][:10]}", show_header=False
    )
    for key, value in data.items():
        if not isinstance(value, dict) and key not in ("start", "end"):
            summary.add_row(key, "-" if value is None else str(value))
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
