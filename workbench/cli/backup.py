"""`workbench backup`: encrypted backups and restores."""

from __future__ import annotations

from pathlib import Path

import typer

from workbench.bootstrap import build
from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.usecases.admin import DatabaseSetup

app = typer.Typer(help="Encrypted database backups.", no_args_is_help=True)
console = SafeConsole(highlight=False)


@app.command("create")
def create_command(
    output: Path = typer.Option(None, "--output", "-o", help="File to write."),
) -> None:
    """Back up the configured database, encrypted with the key file's backup key."""
    info = state.workbench().usecases.admin.create_backup(output)
    console.print(
        f"backup written to {info.path} ({info.plain_bytes} bytes before encryption)", markup=False
    )


@app.command("restore")
def restore_command(
    source: Path = typer.Argument(..., exists=True, dir_okay=False),
    into: str = typer.Option(None, "--into", help="Database URL (default: the configured one)."),
) -> None:
    """Restore a backup into an EMPTY database (a new SQLite file or PostgreSQL database),
    bring its schema up to date and erase again every member the erasure ledger names."""
    settings = state.settings()
    info = DatabaseSetup(settings).restore(source, into=into)
    console.print(
        f"restored the {info.backend} backup of {info.created_at} (schema {info.revision})",
        markup=False,
    )
    restored = build(
        settings.model_copy(update={"database_url": into}) if into else settings,
        clock=state.clock,
    )
    try:
        erased = restored.usecases.admin.reapply_erasures()
    finally:
        restored.dispose()
    console.print(
        f"{erased} members erased again (erasure ledger {settings.effective_erasure_ledger_file})",
        markup=False,
        soft_wrap=True,
    )
