"""`workbench audit`: check the hash chain and read recent entries (no personal data in them)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.cli.state import state

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("verify")
def verify_command() -> None:
    """Walk the chain; report the first missing or altered entry (exit 1)."""
    report = state.workbench().usecases.protection.verify_audit()
    if report.ok:
        console.print(f"{report.checked} entries checked; the chain is intact", markup=False)
        return
    console.print(f"BROKEN after {report.checked} good entries: {report.problem}", markup=False)
    raise typer.Exit(1)


@app.command("show")
def show_command(
    member_no: str = typer.Option(None, "--member", help="Only entries about this member."),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """Recent entries (supervisors and administrators)."""
    wb = state.workbench()
    rows = wb.usecases.protection.audit_entries(state.staff(), member_no=member_no, limit=limit)
    zone = wb.settings.timezone
    table = Table()
    for column in ("seq", "time", "actor", "action", "member", "purpose", "result", "detail"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.seq),
            row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            Text(row.actor),
            row.action,
            Text(row.member),
            row.purpose,
            row.result,
            Text(row.detail),
        )
    console.print(table)
