"""`workbench staff`: the staff directory (administrators)."""

from __future__ import annotations

import os

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from workbench.cli.state import state
from workbench.members.models import Role, Staff, Store

app = typer.Typer(help="Staff accounts (administrators).", no_args_is_help=True)
console = Console(highlight=False)


def _new_password() -> str:
    return os.environ.get("WORKBENCH_NEW_PASSWORD") or typer.prompt(
        "new password", hide_input=True, confirmation_prompt=True
    )


@app.command("add")
def add_command(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., "--role", help=", ".join(r.value for r in Role)),
    name: str = typer.Option("", "--name", help="Display name."),
    store: str = typer.Option(None, "--store", help="Store code (sales and store managers)."),
    team: str = typer.Option(None, "--team"),
    email: str = typer.Option(None, "--email", help="Where escalations are e-mailed."),
) -> None:
    """Add a staff member. With no administrator yet, the first admin may be added unsigned."""
    wb = state.workbench()
    with wb.sessions() as session:
        first_admin = not wb.staff.has_admin(session)
    actor = None if first_admin and role == Role.ADMIN else state.staff()
    with wb.sessions() as session:
        staff = wb.staff.add(
            session,
            actor=actor,
            username=username,
            display_name=name,
            role=role,
            password=_new_password(),
            store_code=store,
            team=team,
            email=email,
        )
        session.commit()
    console.print(f"added {staff.username} ({staff.role})", markup=False)


@app.command("list")
def list_command() -> None:
    wb = state.workbench()
    state.staff()
    with wb.sessions() as session:
        rows = session.execute(
            select(Staff, Store.code)
            .outerjoin(Store, Store.id == Staff.store_id)
            .order_by(Staff.id)
        ).all()
    table = Table()
    for column in ("username", "name", "role", "store", "team", "e-mail", "state"):
        table.add_column(column)
    now = wb.clock.now()
    for staff, code in rows:
        locked = staff.locked_until is not None and staff.locked_until > now
        status = "inactive" if not staff.active else "locked" if locked else "active"
        table.add_row(
            staff.username,
            staff.display_name,
            str(staff.role),
            code or "-",
            staff.team or "-",
            "set" if staff.email_enc else "-",
            status,
        )
    console.print(table)


@app.command("passwd")
def passwd_command(username: str = typer.Argument(...)) -> None:
    wb = state.workbench()
    actor = state.staff()
    with wb.sessions() as session:
        wb.staff.set_password(session, actor=actor, username=username, password=_new_password())
        session.commit()
    console.print(f"password of {username} changed", markup=False)


@app.command("email")
def email_command(
    username: str = typer.Argument(...),
    address: str = typer.Argument("", help="The address; leave out to remove it."),
) -> None:
    """Set (or remove) where a staff member's escalations are e-mailed."""
    wb = state.workbench()
    actor = state.staff()
    with wb.sessions() as session:
        staff = wb.staff.set_email(session, actor=actor, username=username, email=address)
        session.commit()
    done = "set" if staff.email_enc else "removed"
    console.print(f"e-mail of {username} {done}", markup=False)


@app.command("unlock")
def unlock_command(username: str = typer.Argument(...)) -> None:
    wb = state.workbench()
    actor = state.staff()
    with wb.sessions() as session:
        wb.staff.unlock(session, actor=actor, username=username)
        session.commit()
    console.print(f"{username} unlocked", markup=False)


@app.command("deactivate")
def deactivate_command(username: str = typer.Argument(...)) -> None:
    wb = state.workbench()
    actor = state.staff()
    with wb.sessions() as session:
        wb.staff.deactivate(session, actor=actor, username=username)
        session.commit()
    console.print(f"{username} deactivated", markup=False)
