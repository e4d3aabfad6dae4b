"""Backup and restore for both backends: SQLite through its online backup API, PostgreSQL
through pg_dump / pg_restore. The file is encrypted with the key file's backup key."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from workbench.backup.archive import BackupError, read_decrypted, read_header, write_encrypted
from workbench.crypto import Keyring
from workbench.db.migrate import current_revision


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    backend: str
    revision: str | None
    created_at: str
    plain_bytes: int


def _libpq_url(url: str) -> str:
    """pg_dump speaks libpq URLs: postgresql://user:pw@host:port/db (no +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def create_backup(*, url: str, keyring: Keyring, target: Path, now: datetime) -> BackupInfo:
    backend = make_url(url).get_backend_name()
    engine = create_engine(url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    created_at = now.isoformat()
    meta = {"backend": backend, "revision": revision, "created_at": created_at}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = Path(scratch) / "snapshot"
        if backend == "sqlite":
            _sqlite_snapshot(_sqlite_path(url), snapshot)
        else:
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={snapshot}",
                    _libpq_url(url),
                ]
            )
        with snapshot.open("rb") as source, partial.open("wb") as out:
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
            shutil.copyfile(plain, target)
        else:
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    f"--dbname={_libpq_url(url)}",
                    str(plain),
                ]
            )
    return BackupInfo(source, backend, meta.get("revision"), meta.get("created_at", ""), size)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)") from None
    if done.returncode != 0:
        # The URL may carry a password: report the tool's message only.
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")
