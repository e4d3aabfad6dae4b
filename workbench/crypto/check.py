"""Which key file a database belongs to.

The database keeps a check value of each key of the key file it was set up with (an HMAC of a
fixed text under the key: it shows whether two keys are the same, and nothing of the key), in
the one-row table `key_check`. Every workbench that is built compares its key file with it
before anything is read or written, so a key file from another installation is refused at once
instead of reading "damaged" values and writing new ones under the wrong key.

A database without a record adopts the key file on first use (a fresh one, or one migrated from
before revision 0017; then only if an encrypted value it already holds decrypts with the file).
Data and audit keys the file has and the record lacks are added: that is a rotation (`keys
rotate` and `audit rotate-key` save the new key first, then record it at once, so an older copy
of the file is refused from then on), or a record made before audit keys were checked adopting
them; a recorded key the file lacks, or has with other bytes, is a mismatch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, Text, insert, inspect, select, update
from sqlalchemy import exc as sa_exc
from sqlmodel import Field, SQLModel

from workbench.crypto.fields import FieldCipher, b64_digest
from workbench.crypto.keyring import Keyring
from workbench.db.types import utc_column
from workbench.errors import KeyringError

CHECK_TEXT = b"workbench key check v1"


class KeyCheck(SQLModel, table=True):
    """The key file this database belongs to: check values of its keys, never the keys."""

    __tablename__ = "key_check"

    id: int = Field(default=1, primary_key=True)
    checks: str = Field(sa_column=Column(Text, nullable=False))
    adopted_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


# SQLModel sets `__table__` on every table model, but its stubs do not say so.
KEY_CHECK: Table = KeyCheck.__table__  # type: ignore[attr-defined]


class KeyFileMismatch(KeyringError):
    """The key file is not the one the database was set up with."""


def _check(key: bytes) -> str:
    return b64_digest(hmac.new(key, CHECK_TEXT, hashlib.sha256).digest()[:16])


def check_values(keyring: Keyring) -> dict[str, Any]:
    return {
        "index": _check(keyring.index_key),
        "backup": _check(keyring.backup_key),
        "data": {key_id: _check(key) for key_id, key in sorted(keyring.data_keys.items())},
        "audit": {version: _check(key) for version, key in sorted(keyring.audit_keys.items())},
    }


# The keys kept by id, older ones included: a record may gain some (a rotation), never lose one.
_ROTATED = {"data": "data key", "audit": "audit key"}


def mismatch(recorded: dict[str, Any], keyring: Keyring) -> str | None:
    """What differs between the database's record and the key file, or None."""
    mine = check_values(keyring)
    if recorded.get("index") != mine["index"]:
        return "its blind-index key is not this database's"
    if recorded.get("backup") != mine["backup"]:
        return "its backup key is not this database's"
    for kind, what in _ROTATED.items():
        for key_id, value in sorted(recorded.get(kind, {}).items()):
            if key_id not in mine[kind]:
                return f"it lacks {what} {key_id}, which this database uses (an older key file?)"
            if mine[kind][key_id] != value:
                return f"its {what} {key_id} is not this database's"
    return None


def refusal(keyring: Keyring, reason: str) -> KeyFileMismatch:
    where = f"the key file {keyring.source}" if keyring.source else "the keys in use"
    return KeyFileMismatch(
        f"{where} does not belong to this database: {reason}. Nothing was read or written. "
        "Point WORKBENCH_KEYS_FILE (setting [keys] file) at the key file this database was set "
        "up with (restore it from your key backup), or WORKBENCH_DATABASE_URL at the database "
        "of this key file."
    )


def ensure_key_file_matches(
    engine: Engine, keyring: Keyring, *, now: datetime, tables: Iterable[Table] = ()
) -> None:
    """Refuse (KeyFileMismatch) a key file that is not the database's; adopt it where the
    database has no record yet. `tables`: where to find an encrypted value to try before
    adopting (every table, from workbench.db.tables). A schema from before revision 0017 is
    left alone: `db upgrade` brings the table, and the next start adopts."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(KeyCheck.__tablename__):
            return
    for _ in range(2):  # a second try only after losing an adoption race
        with engine.begin() as connection:
            stored = connection.scalar(select(KEY_CHECK.c.checks))
            if stored is not None:
                _compare(connection, json.loads(stored), keyring, now)
                return
            _try_existing_value(connection, keyring, tables)
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(KEY_CHECK).values(
                            id=1,
                            checks=json.dumps(check_values(keyring), sort_keys=True),
                            adopted_at=now,
                            updated_at=now,
                        )
                    )
                return
            except sa_exc.IntegrityError:
                continue  # another process adopted meanwhile: compare with what it recorded
    raise KeyringError("could not record the key file's check values; try again")


def _compare(
    connection: Connection, recorded: dict[str, Any], keyring: Keyring, now: datetime
) -> None:
    reason = mismatch(recorded, keyring)
    if reason is not None:
        raise refusal(keyring, reason)
    mine = check_values(keyring)
    merged = dict(recorded)
    for kind in _ROTATED:  # a rotation, or audit keys a record from before lacks: record them
        if set(mine[kind]) - set(recorded.get(kind, {})):
            merged[kind] = {**recorded.get(kind, {}), **mine[kind]}
    if merged != recorded:
        connection.execute(
            update(KEY_CHECK)
            .where(KEY_CHECK.c.id == 1)
            .values(checks=json.dumps(merged, sort_keys=True), updated_at=now)
        )


def record_added_keys(connection: Connection, keyring: Keyring, *, now: datetime) -> None:
    """Record at once the key a rotation just saved to the key file (KeyFileMismatch if the
    file is not the database's), so an older copy of the file is refused from now on rather
    than from the next start. Nothing to do before the database has a record."""
    if not inspect(connection).has_table(KeyCheck.__tablename__):
        return
    stored = connection.scalar(select(KEY_CHECK.c.checks))
    if stored is not None:
        _compare(connection, json.loads(stored), keyring, now)


def _try_existing_value(connection: Connection, keyring: Keyring, tables: Iterable[Table]) -> None:
    """Before adopting a key file for a database that already holds data: one stored value
    must decrypt with it."""
    from workbench.crypto.rotation import encrypted_columns  # it imports the column types

    cipher = FieldCipher(keyring)
    for table, columns in encrypted_columns(tables).items():
        for column in columns:
            extra = [column.field_from] if column.field_from is not None else []
            row = connection.execute(
                select(table.primary_key.columns[0], column.column, *extra)
                .where(column.column.is_not(None))
                .limit(1)
            ).first()
            if row is None:
                continue
            try:
                cipher.decrypt(column.field_of(row), row._mapping[column.column.name])
            except KeyringError:
                raise refusal(
                    keyring, f"it cannot read the values stored in {table.name}"
                ) from None
            return
