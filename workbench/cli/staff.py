"""`workbench staff`: the staff directory (administrators)."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.members.models import Role

app = typer.Typer(help="Staff accounts (administrators).", no_args_is_help=True)
console = SafeConsole(highlight=False)


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
    protection = state.workbench().usecases.protection
    first_admin = not protection.has_admin()
    actor = None if first_admin and role == Role.ADMIN else state.staff()
    staff = protection.add_staff(
        actor,
        username=username,
        display_name=name,
        role=role,
        password=_new_password(),
        store_code=store,
        team=team,
        email=email,
    )
    console.print(f"added {staff.username} ({staff.role})", markup=False)


@app.command("list")
def list_command() -> None:
    wb = state.workbench()
    table = Table()
    for column in ("username", "name", "role", "store", "team", "e-mail", "state"):
        table.add_column(column)
    for staff in wb.usecases.protection.staff_list(state.staff()):
        table.add_row(
            staff.username,
            staff.display_name,
            staff.role,
            staff.store_code or "-",
            staff.team or "-",
            "set" if staff.has_email else "-",
            staff.state,
        )
    console.print(table)


@app.command("passwd")
def passwd_command(username: str = typer.Argument(...)) -> None:
    wb = state.workbench()
    actor = state.staff()
    wb.usecases.protection.set_password(actor, username, _new_password())
    console.print(f"password of {username} changed", markup=False)


@app.command("email")
def email_command(
    username: str = typer.Argument(...),
    address: str = typer.Argument("", help="The address; leave out to remove it."),
) -> None:
    """Set (or remove) where a staff member's escalations are e-mailed."""
    wb = state.workbench()
    is_set = wb.usecases.protection.set_email(state.staff(), username, address)
    done = "set" if is_set else "removed"
    console.print(f"e-mail of {username} {done}", markup=False)


@app.command("unlock")
def unlock_command(username: str = typer.Argument(...)) -> None:
    wb = state.workbench()
    wb.usecases.protection.unlock(state.staff(), username)
    console.print(f"{username} unlocked", markup=False)


@app.command("deactivate")
def deactivate_command(username: str = typer.Argument(...)) -> None:
    wb = state.workbench()
    wb.usecases.protection.deactivate(state.staff(), username)
    console.print(f"{username} deactivated", markup=False)


@app.command("language")
def language_command(
    language: str = typer.Argument(..., help="zh-CN, en, or 'default' (the setting's)."),
) -> None:
    """Your own desk language: the TUI opens in it when you sign in (Ctrl+L there sets it too)."""
    wb = state.workbench()
    chosen = None if language == "default" else language
    wb.usecases.sign_in.remember_language(state.staff(), chosen)
    shown = chosen or f"default ({wb.settings.locale_language})"
    console.print(f"language set to {shown}", markup=False)
