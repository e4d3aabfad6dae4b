"""`workbench grants`: time-limited access to one member's data, made by hand."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.dates import parse_moment
from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.members.registry import PERSONAL_FIELDS

app = typer.Typer(help="Time-limited access grants.", no_args_is_help=True)
console = SafeConsole(highlight=False)


@app.command("create")
def create_command(
    member_no: str = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="Username of the staff member given access."),
    reason: str = typer.Option(..., "--reason"),
    minutes: int = typer.Option(60, "--minutes", min=1, max=7 * 24 * 60),
    start: str = typer.Option(None, "--start", help="ISO time (default: now)."),
    fields: str = typer.Option(",".join(PERSONAL_FIELDS), "--fields"),
) -> None:
    """Give a staff member access to one member's fields for a time (administrators)."""
    wb = state.workbench()
    actor = state.staff()
    starts = wb.clock.now()
    if start:
        starts = parse_moment(start, "start", wb.settings.timezone, "2026-03-02T09:00+08:00")
    grant = wb.usecases.protection.create_grant(
        actor,
        to=to,
        member_no=member_no,
        fields={f.strip() for f in fields.split(",")},
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        reason=reason,
    )
    console.print(f"grant {grant.id}: {to} until {grant.ends_at.isoformat()}", markup=False)


@app.command("list")
def list_command(to: str = typer.Option(..., "--to", help="Username.")) -> None:
    """Live grants of one staff member."""
    wb = state.workbench()
    grants = wb.usecases.protection.grants_of(state.staff(), to)
    table = Table()
    for column in ("id", "member", "fields", "source", "from", "until"):
        table.add_column(column)
    for grant in grants:
        table.add_row(
            str(grant.id),
            Text(grant.member),
            grant.fields,
            str(grant.source),
            grant.starts_at.isoformat(),
            grant.ends_at.isoformat(),
        )
    console.print(table)


@app.command("revoke")
def revoke_command(grant_id: int = typer.Argument(...)) -> None:
    wb = state.workbench()
    wb.usecases.protection.revoke_grant(state.staff(), grant_id)
    console.print(f"grant {grant_id} revoked", markup=False)
