"""Column types that keep their meaning on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, Column, DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
ENCRYPTED = "encrypted"  # Column.info key of a column that holds FieldCipher values


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """Yuan as Decimal with 2 places, stored as whole fen so sums are exact on every backend."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


def encrypted_column(
    field: str | None = None, *, field_from: str | None = None, nullable: bool = True
) -> Column[str]:
    """A column of FieldCipher values (`<key id>:<ciphertext>`). `field` is the name bound in as
    associated data; `field_from` instead names the column of the same row that holds it (a
    change request encrypts under the name of the field it changes). The mark is how key
    rotation finds every encrypted column, so every one must be made here; the DDL is plain
    TEXT."""
    if (field is None) == (field_from is None):
        raise ValueError("give exactly one of field or field_from")
    return Column(
        Text, nullable=nullable, info={ENCRYPTED: {"field": field, "field_from": field_from}}
    )


def utc_column(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)
