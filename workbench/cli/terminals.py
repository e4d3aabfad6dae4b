"""`workbench terminals`: the workstations allowed to sign in where a store requires it."""

from __future__ import annotations

import typer
from rich.table import Table

from workbench.cli.output import SafeConsole
from workbench.cli.state import state

app = typer.Typer(help="Registered terminals (administrators).", no_args_is_help=True)
console = SafeConsole(highlight=False)
warnings = SafeConsole(highlight=False, stderr=True)


@app.command("register")
def register_command(
    name: str = typer.Argument(..., help="A name people recognise, e.g. 'SH01 counter 2'."),
    store: str = typer.Option(None, "--store", help="Store code the terminal belongs to."),
) -> None:
    """Register THIS workstation and save its credential in the terminal file."""
    wb = state.workbench()
    registered = wb.usecases.protection.register_terminal(state.staff(), name, store)
    console.print(  # soft wrap: a path broken across lines cannot be copied
        f"terminal {registered.terminal_id} registered; credential in {registered.credential_file}",
        markup=False,
        soft_wrap=True,
    )


@app.command("list")
def list_command() -> None:
    wb = state.workbench()
    listing = wb.usecases.protection.terminals(state.staff())
    table = Table()
    for column in ("id", "name", "store", "registered", "revoked"):
        table.add_column(column)
    for terminal in listing.terminals:
        table.add_row(
            str(terminal.id),
            terminal.name,
            terminal.store_code or "-",
            f"{terminal.registered_at:%Y-%m-%d}",
            f"{terminal.revoked_at:%Y-%m-%d}" if terminal.revoked_at else "-",
        )
    console.print(table)
    console.print(
        "stores requiring a registered terminal: " + (", ".join(listing.bound_stores) or "none"),
        markup=False,
    )


@app.command("revoke")
def revoke_command(terminal_id: int = typer.Argument(...)) -> None:
    wb = state.workbench()
    wb.usecases.protection.revoke_terminal(state.staff(), terminal_id)
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
    rule = wb.usecases.protection.require_terminals(state.staff(), store_code, required=required)
    code = rule.store_code
    if not required:
        console.print(f"{code}: staff may sign in from any workstation", markup=False)
        return
    console.print(
        f"{code}: staff sign in only from its registered terminals "
        f"({rule.live_terminals} registered)",
        markup=False,
    )
    if rule.live_terminals == 0:
        warnings.print(
            f"warning: {code} has no registered terminal yet; its staff cannot sign in "
            f"until one is registered with `workbench terminals register NAME --store {code}`",
            markup=False,
            soft_wrap=True,
        )
