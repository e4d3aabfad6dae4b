"""`workbench db`: migrations."""

from __future__ import annotations

import typer

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.usecases.admin import DatabaseSetup

app = typer.Typer(help="Database schema: create and migrate.", no_args_is_help=True)
console = SafeConsole(highlight=False)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head")) -> None:
    """Create or migrate the database to the newest schema (or REVISION)."""
    now_at = DatabaseSetup(state.settings()).upgrade(revision)
    console.print(f"database at revision {now_at}", markup=False)


@app.command("current")
def current_command() -> None:
    """Show the schema revision of the database and the newest one."""
    revisions = DatabaseSetup(state.settings()).revisions()
    console.print(
        f"database: {revisions.current or 'empty'}; newest: {revisions.newest}", markup=False
    )
