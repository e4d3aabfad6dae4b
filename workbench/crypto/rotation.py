"""Re-encrypting every stored encrypted value under the active data key, after `keys rotate`.

Every column made with `workbench.db.types.encrypted_column` is covered, in every table: member
fields, change requests, complaint texts, callback feedback, outbox messages, call numbers. Each
table is walked in primary-key order, a batch per transaction, so a million rows never sit in
memory and a stopped run picks up where it was: the next run only finds values that still carry
an older key id (`FieldCipher.needs_rotation`), which also makes a second run a no-op.

A value is replaced only if it is still the one that was read (compare-and-set in the UPDATE),
so a row that the application changed meanwhile keeps its new value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Row, Table, and_, bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from workbench.crypto.fields import FieldCipher
from workbench.db.types import ENCRYPTED
from workbench.errors import KeyringError


@dataclass(frozen=True)
class EncryptedColumn:
    column: Column[Any]
    field: str | None  # the associated data, or None when `field_from` holds it per row
    field_from: Column[Any] | None

    def field_of(self, row: Row[Any]) -> str:
        if self.field is not None:
            return self.field
        assert self.field_from is not None  # encrypted_column takes exactly one of the two
        field: str = row._mapping[self.field_from.name]
        return field


def encrypted_columns(tables: Iterable[Table]) -> dict[Table, list[EncryptedColumn]]:
    """Every table with encrypted columns, and those columns, from their `encrypted` mark."""
    found: dict[Table, list[EncryptedColumn]] = {}
    for table in tables:
        for column in table.columns:
            mark = column.info.get(ENCRYPTED)
            if mark is None:
                continue
            field_from = table.columns[mark["field_from"]] if mark["field_from"] else None
            found.setdefault(table, []).append(EncryptedColumn(column, mark["field"], field_from))
    return found


@dataclass
class RotationReport:
    key_id: str
    values: dict[str, int]  # re-encrypted values per table

    @property
    def total(self) -> int:
        return sum(self.values.values())


def reencrypt_all(
    sessions: Callable[[], Session],
    cipher: FieldCipher,
    tables: Iterable[Table],
    *,
    batch_size: int = 2000,
    progress: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Move every value encrypted under an older key to the active key; see the module doc."""
    report = RotationReport(cipher.active_key_id, {})
    for table, columns in encrypted_columns(tables).items():
        report.values[table.name] = _reencrypt_table(
            sessions, cipher, table, columns, batch_size, progress
        )
    return report


def _reencrypt_table(
    sessions: Callable[[], Session],
    cipher: FieldCipher,
    table: Table,
    columns: list[EncryptedColumn],
    batch_size: int,
    progress: Callable[[str, int], None] | None,
) -> int:
    [key] = table.primary_key.columns  # every table with encrypted columns has an integer id
    current = f"{cipher.active_key_id}:%"
    stale = or_(*[and_(c.column.is_not(None), c.column.not_like(current)) for c in columns])
    extra = {c.field_from for c in columns if c.field_from is not None}
    query = select(key, *[c.column for c in columns], *extra).where(stale).order_by(key)
    # Only the stale values are replaced, and only if they are still what was read.
    statement = (
        update(table)
        .where(key == bindparam("row_key"))
        .values(
            {
                c.column.name: case(
                    (
                        c.column == bindparam(f"old_{c.column.name}", type_=c.column.type),
                        bindparam(f"new_{c.column.name}", type_=c.column.type),
                    ),
                    else_=c.column,
                )
                for c in columns
            }
        )
    )
    rewritten, last = 0, None
    while True:
        with sessions() as session:
            batch = query if last is None else query.where(key > last)
            rows = session.execute(batch.limit(batch_size)).all()
            if not rows:
                return rewritten
            params: list[dict[str, Any]] = []
            for row in rows:
                values: dict[str, Any] = {"row_key": row[0]}
                for c in columns:
                    stored = row._mapping[c.column.name]
                    fresh = None
                    if cipher.needs_rotation(stored):
                        fresh = cipher.encrypt(c.field_of(row), _decrypt(cipher, c, row, stored))
                        rewritten += 1
                    # An old value of None matches nothing: the column is left as it is.
                    values[f"old_{c.column.name}"] = stored if fresh else None
                    values[f"new_{c.column.name}"] = fresh
                params.append(values)
            session.execute(statement, params)
            session.commit()
            last = rows[-1][0]
        if progress is not None:
            progress(table.name, rewritten)


def _decrypt(cipher: FieldCipher, column: EncryptedColumn, row: Row[Any], stored: str) -> str:
    try:
        return cipher.decrypt(column.field_of(row), stored)
    except KeyringError as exc:  # say where, so the row can be looked at; never the value
        raise KeyringError(f"{column.column.table.name} row {row[0]}: {exc}") from None
