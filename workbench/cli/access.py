"""`workbench access`: the hourly limits on look-ups and reveals, and a supervisor's approval
of more."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state

app = typer.Typer(help="Limits on look-ups and reveals; approvals.", no_args_is_help=True)
console = SafeConsole(highlight=False)
ACTIONS = {"lookup": "look-ups", "reveal": "reveals"}


@app.command("approvals")
def approvals_command() -> None:
    """Requests of this hour waiting for your approval (supervisors)."""
    wb = state.workbench()
    pending = wb.usecases.access.pending(state.staff())
    if not pending:
        console.print("no approval requests waiting", markup=False)
        return
    zone = wb.settings.timezone
    table = Table()
    for column in ("id", "staff", "username", "action", "used", "asked at", "hour ends"):
        table.add_column(column)
    for line in pending:
        table.add_row(
            str(line.id),
            Text(line.staff),
            Text(line.username),
            line.action,
            str(line.used),
            line.requested_at.astimezone(zone).strftime("%H:%M:%S"),
            line.until.astimezone(zone).strftime("%H:%M"),
        )
    console.print(table)


@app.command("approve")
def approve_command(request_id: int = typer.Argument(..., help="The request's id.")) -> None:
    """Let the staff member go on this hour: adds another hour's allowance (audited)."""
    wb = state.workbench()
    line = wb.usecases.access.approve(state.staff(), request_id)
    until = line.until.astimezone(wb.settings.timezone).strftime("%H:%M")
    console.print(
        Text(
            f"approved request {line.id}: {line.staff} may make more {ACTIONS[line.action]} until {until}"
        )
    )


@app.command("usage")
def usage_command() -> None:
    """How much of your hourly limits you have used."""
    for use in state.workbench().usecases.access.usage(state.staff()):
        limit = str(use.allowance) if use.allowance else "no limit"
        console.print(f"{use.action}: {use.used} of {limit} this hour", markup=False)
