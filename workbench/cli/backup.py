"""`workbench backup`: encrypted backups and restores."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from workbench.backup.service import create_backup, restore_backup
from workbench.bootstrap import keyring_from_settings
from workbench.cli.state import state

app = typer.Typer(help="Encrypted database backups.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("create")
def create_command(
    output: Path = typer.Option(None, "--output", "-o", help="File to write."),
) -> None:
    """Back up the configured database, encrypted with the key file's backup key."""
    wb = state.workbench()
    now = wb.clock.now()
    target = output or wb.settings.effective_backup_directory / (
        f"workbench-{now.strftime('%Y%m%dT%H%M%SZ')}.wbk"
    )
    info = create_backup(
        url=wb.settings.effective_database_url, keyring=wb.keyring, target=target, now=now
    )
    with wb.sessions() as session:
        wb.audit.record(
            session,
            action="backup",
            result="ok",
            detail={"file": info.path.name, "bytes": info.plain_bytes},
        )
        session.commit()
    console.print(
        f"backup written to {info.path} ({info.plain_bytes} bytes before encryption)", markup=False
    )


@app.command("restore")
def restore_command(
    source: Path = typer.Argument(..., exists=True, dir_okay=False),
    into: str = typer.Option(None, "--into", help="Database URL (default: the configured one)."),
) -> None:
    """Restore a backup into an EMPTY database (a new SQLite file or PostgreSQL database)."""
    settings = state.settings()
    url = into or settings.effective_database_url
    info = restore_backup(source=source, url=url, keyring=keyring_from_settings(settings))
    console.print(
        f"restored the {info.backend} backup of {info.created_at} (schema {info.revision})",
        markup=False,
    )
