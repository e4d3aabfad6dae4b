"""`workbench keys`: the key file for encrypted personal data and blind indexes."""

from __future__ import annotations

import typer

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.crypto import Keyring
from workbench.errors import KeyringError

app = typer.Typer(help="Encryption keys for personal data.", no_args_is_help=True)
console = SafeConsole(highlight=False)


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
    batch_size: int = typer.Option(2000, min=100, help="Rows re-encrypted per transaction."),
) -> None:
    """Add a new data key, make it active and re-encrypt every stored encrypted value with it
    (members, change requests, complaints, callbacks, messages, calls)."""
    settings = state.settings()
    path = settings.effective_keys_file
    if settings.keys_keyring is not None:
        raise KeyringError(
            "keys come from WORKBENCH_KEYS_KEYRING: rotate the key file, then update it"
        )
    # The key file is saved first: a crash mid-way leaves values readable under either key.
    state.workbench().usecases.protection.add_data_key(path)
    state.close()  # the next workbench encrypts with the new key
    _reencrypt(batch_size)


@app.command("reencrypt")
def reencrypt_command(
    batch_size: int = typer.Option(2000, min=100, help="Rows re-encrypted per transaction."),
) -> None:
    """Finish a rotation that stopped: re-encrypt what still uses an older key, adding no key."""
    _reencrypt(batch_size)


def _reencrypt(batch_size: int) -> None:
    report = state.workbench().usecases.protection.reencrypt(batch_size=batch_size)
    tables = ", ".join(f"{name} {n}" for name, n in report.values.items() if n) or "none"
    console.print(
        f"active key is now {report.key_id}; {report.total} values re-encrypted ({tables})",
        markup=False,
        soft_wrap=True,
    )
