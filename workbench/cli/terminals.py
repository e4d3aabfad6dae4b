"""`workbench terminals`: the workstations allowed to sign in where a store requires it."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from workbench.cli.state import state
from workbench.errors import NotFound
from workbench.members.models import Role, Store
from workbench.permissions.access import AccessDenied
from workbench.permissions.models import Terminal

app = typer.Typer(help="Registered terminals (administrators).", no_args_is_help=True)
console = Console(highlight=False)
warnings = Console(highlight=False, stderr=True)


def _admin():
    staff = state.staff()
    if staff.role != Role.ADMIN:
        raise AccessDenied("only administrators manage terminals")
    return staff


@app.command("register")
def register_command(
    name: str = typer.Argument(..., help="A name people recognise, e.g. 'SH01 counter 2'."),
    store: str = typer.Option(None, "--store", help="Store code the terminal belongs to."),
) -> None:
    """Register THIS workstation and save its credential in the terminal file."""
    wb = state.workbench()
    admin = _admin()
    with wb.sessions() as session:
        store_row = None
        if store:
            store_row = session.scalar(select(Store).where(Store.code == store))
            if store_row is None:
                raise NotFound(f"no store {store!r}")
        credential = wb.auth.register_terminal(session, name=name, store=store_row, actor=admin)
        session.commit()
    path = wb.settings.effective_terminal_file
    credential.save(path)
    console.print(  # soft wrap: a path broken across lines cannot be copied
        f"terminal {credential.terminal_id} registered; credential in {path}",
        markup=False,
        soft_wrap=True,
    )


@app.command("list")
def list_command() -> None:
    wb = state.workbench()
    _admin()
    with wb.sessions() as session:
        rows = session.execute(
            select(Terminal, Store.code).outerjoin(Store, Store.id == Terminal.store_id)
        ).all()
        bound = session.scalars(
            select(Store.code).where(Store.requires_terminal.is_(True)).order_by(Store.code)
        ).all()
    table = Table()
    for column in ("id", "name", "store", "registered", "revoked"):
        table.add_column(column)
    for terminal, code in rows:
        table.add_row(
            str(terminal.id),
            terminal.name,
            code or "-",
            f"{terminal.registered_at:%Y-%m-%d}",
            f"{terminal.revoked_at:%Y-%m-%d}" if terminal.revoked_at else "-",
        )
    console.print(table)
    console.print(
        "stores requiring a registered terminal: " + (", ".join(bound) or "none"), markup=False
    )


@app.command("revoke")
def revoke_command(terminal_id: int = typer.Argument(...)) -> None:
    wb = state.workbench()
    admin = _admin()
    with wb.sessions() as session:
        wb.auth.revoke_terminal(session, terminal_id=terminal_id, actor=admin)
        session.commit()
    console.print(f"terminal {terminal_id} revoked", markup=False)


@app.command("require")
def require_command(store: str = typer.Argument(..., help="Store code, e.g. SH01.")) -> None:
    """Let this store's staff sign in only from its registered terminals (audited)."""
    _set_rule(store, required=True)


@app.command("unrequire")
def unrequire_command(store: str = typer.Argument(..., help="Store code, e.g. SH01.")) -> None:
    """Let this store's staff sign in from any workstation again (audited)."""
    _set_rule(store, required=False)


def _set_rule(store_code: str, *, required: bool) -> None:
    wb = state.workbench()
    admin = _admin()
    with wb.sessions() as session:
        store = wb.auth.require_terminals(
            session, store_code=store_code, required=required, actor=admin
        )
        live = wb.auth.live_terminals(session, store)
        session.commit()
    if not required:
        console.print(f"{store.code}: staff may sign in from any workstation", markup=False)
        return
    console.print(
        f"{store.code}: staff sign in only from its registered terminals ({live} registered)",
        markup=False,
    )
    if live == 0:
        warnings.print(
            f"warning: {store.code} has no registered terminal yet; its staff cannot sign in "
            f"until one is registered with `workbench terminals register NAME --store {store.code}`",
            markup=False,
            soft_wrap=True,
        )
