"""Backup and restore for both backends: SQLite through its online backup API, PostgreSQL
through pg_dump / pg_restore. The file is encrypted with the key file's backup key."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from workbench.backup.archive import BackupError, read_decrypted, read_header, write_encrypted
from workbench.backup.ledger import append_to_ledger_file, table_entries
from workbench.crypto import Keyring
from workbench.db.migrate import current_revision


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    backend: str
    revision: str | None
    created_at: str
    plain_bytes: int


def pg_command(tool: str, url: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """A pg_dump / pg_restore command line and its environment. The password goes in
    PGPASSWORD, never in the arguments (which every user of the machine sees in `ps`); the
    libpq URL in the arguments has none (postgresql://user@host:port/db, no +driver)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    bare = URL.create(  # `set(password=None)` would keep it: None there means "unchanged"
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    target = bare.render_as_string(hide_password=False)
    option = "--dbname" if tool == "pg_restore" else None
    return [tool, *args, f"{option}={target}" if option else target], env


def _private_open(path: Path) -> BinaryIO:
    """A new file only its owner may read (0600), also where one was left looser before."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def create_backup(
    *, url: str, keyring: Keyring, target: Path, now: datetime, ledger_file: Path | None = None
) -> BackupInfo:
    """`ledger_file`: the erasure ledger file, given the table's erasures it lacks first."""
    backend = make_url(url).get_backend_name()
    engine = create_engine(url)
    try:
        revision = current_revision(engine)
        if ledger_file is not None:
            with engine.connect() as connection:
                append_to_ledger_file(ledger_file, table_entries(connection))
    finally:
        engine.dispose()
    created_at = now.isoformat()
    meta = {"backend": backend, "revision": revision, "created_at": created_at}
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "snapshot"
        if backend == "sqlite":
            _sqlite_snapshot(_sqlite_path(url), snapshot)
        else:
            _run(
                *pg_command(
                    "pg_dump",
                    url,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={snapshot}",
                )
            )
        with snapshot.open("rb") as source, _private_open(partial) as out:
            size = write_encrypted(source, out, key=keyring.backup_key, meta=meta)
    partial.replace(target)  # only a complete backup gets the final name
    return BackupInfo(target, backend, revision, created_at, size)


def _sqlite_snapshot(database: Path, snapshot: Path) -> None:
    """A consistent copy while others keep writing (SQLite's online backup API)."""
    if not database.exists():
        raise BackupError(f"no database file at {database}")
    source = sqlite3.connect(database)
    copy = sqlite3.connect(snapshot)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def restore_backup(*, source: Path, url: str, keyring: Keyring) -> BackupInfo:
    """Restore into an empty database of the same backend."""
    with source.open("rb") as handle:
        meta, _ = read_header(handle)
    backend = make_url(url).get_backend_name()
    if meta.get("backend") != backend:
        raise BackupError(f"this is a {meta.get('backend')} backup; the target is {backend}")
    engine = create_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise BackupError("the target database is not empty: restore into a new database")
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory() as scratch:
        plain = Path(scratch) / "plain"
        size = 0
        with source.open("rb") as handle, plain.open("wb") as out:
            for chunk in read_decrypted(handle, key=keyring.backup_key):
                out.write(chunk)
                size += len(chunk)
        if backend == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            with plain.open("rb") as copy_from, _private_open(target) as copy_to:
                shutil.copyfileobj(copy_from, copy_to)
        else:
            command, env = pg_command(
                "pg_restore", url, "--no-owner", "--no-privileges", "--exit-on-error"
            )
            _run([*command, str(plain)], env)
    return BackupInfo(source, backend, meta.get("revision"), meta.get("created_at", ""), size)


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=env)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)") from None
    if done.returncode != 0:
        # Report the tool's message only (it names no password: none is in the arguments).
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
