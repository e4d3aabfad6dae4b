"""`workbench db`: migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from workbench.cli.state import state
from workbench.db import create_db_engine
from workbench.db.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="Database schema: create and migrate.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("upgrade")
def upgrade_command(revision: str = typer.Argument("head")) -> None:
    """Create or migrate the database to the newest schema (or REVISION)."""
    settings = state.settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        upgrade(engine, revision)
        console.print(f"database at revision {current_revision(engine)}", markup=False)
    finally:
        engine.dispose()


@app.command("current")
def current_command() -> None:
    """Show the schema revision of the database and the newest one."""
    settings = state.settings()
    engine = create_db_engine(settings.effective_database_url)
    try:
        console.print(
            f"database: {current_revision(engine) or 'empty'}; newest: {head_revision()}",
            markup=False,
        )
    finally:
        engine.dispose()
