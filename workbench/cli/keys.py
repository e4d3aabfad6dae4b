"""`workbench keys`: the key file for encrypted personal data and blind indexes."""

from __future__ import annotations

import typer
from rich.console import Console

from workbench.cli.state import state
from workbench.crypto import Keyring
from workbench.errors import KeyringError

app = typer.Typer(help="Encryption keys for personal data.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("init")
def init_command() -> None:
    """Create a new key file (refuses to overwrite one: its loss makes the data unreadable)."""
    settings = state.settings()
    path = settings.effective_keys_file
    if path.exists():
        raise KeyringError(
            f"a key file already exists at {path}; keep it, or rotate with `keys rotate`"
        )
    Keyring.generate().save(path)
    console.print(
        f"new key file written to {path} (back it up apart from the database)", markup=False
    )


@app.command("rotate")
def rotate_command(
    batch_size: int = typer.Option(2000, min=100, help="Members re-encrypted per transaction."),
) -> None:
    """Add a new data key, make it active and re-encrypt every stored personal field with it."""
    from workbench.members.rotation import reencrypt_all

    settings = state.settings()
    path = settings.effective_keys_file
    if settings.keys_keyring is not None:
        raise KeyringError(
            "keys come from WORKBENCH_KEYS_KEYRING: rotate the key file, then update it"
        )
    wb = state.workbench()
    rotated = wb.keyring.rotated()
    rotated.save(path)  # saved first: a crash mid-way leaves values readable under either key
    state.close()
    wb = state.workbench()
    count = reencrypt_all(wb, batch_size=batch_size)
    console.print(
        f"active key is now {rotated.active_key_id}; {count} members re-encrypted", markup=False
    )
