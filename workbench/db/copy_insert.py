"""Bulk inserts for imports that write hundreds of thousands of rows in the caller's transaction
(an Odoo first pull): PostgreSQL's COPY, with the new rows' ids drawn from the table's sequence
beforehand, so nothing is read back; elsewhere (SQLite) SQLAlchemy's executemany.

On PostgreSQL an ORM or Core executemany sends each row as its own statement (or as one huge
multi-VALUES statement the driver parses again, for RETURNING); COPY streams the rows. The
columns' own bind processors (UTC timestamps, money in fen) are applied as an INSERT would, and
a column left out gets its scalar default (or NULL), so a row means the same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, any_, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlmodel import Session, SQLModel

# Rows per COPY: the rows of one batch are built in memory, never the whole import.
COPY_ROWS = 20_000


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Table (SQLModel sets `__table__` on every `table=True` class; its type
    information does not declare it)."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # see above
    return table


def any_of(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter however many
    values (an IN list of thousands is rendered, sent and parsed again for every length)."""
    values = list(values)
    if session.get_bind().dialect.name != "postgresql":
        return cast(ColumnElement[bool], column.in_(values))
    array = bindparam(None, values, type_=ARRAY(column.type))
    return cast(ColumnElement[bool], column == any_(array))


def insert_rows(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, ids: bool = False
) -> list[int]:
    """Inserts the rows (dicts of column values) in the session's transaction; with `ids`, the
    new rows' primary keys in the order given (the table's `id` column), else []."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        if not ids:
            session.execute(insert(table), list(rows))
            return []
        returned = session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)
        ).all()
        return cast(list[int], list(returned))
    session.flush()  # as an ORM execute would: what the session holds is written first
    new_ids: list[int] = []
    if ids:
        new_ids = _draw_ids(connection, table, len(rows))
        rows = [{**row, "id": new_id} for row, new_id in zip(rows, new_ids, strict=True)]
    _copy(connection, table, rows)
    return new_ids


def _draw_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` ids from the table's own sequence (what an INSERT without an id would take)."""
    drawn = connection.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    ).scalars()
    return sorted(int(value) for value in drawn)


def _copy(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    import psycopg  # PostgreSQL only: SQLite runs without it

    dialect = connection.dialect
    names = [column.name for column in table.c if column.name in rows[0] or _filled(column)]
    missing = {name: _default(table, name) for name in names if name not in rows[0]}
    processors = [_processor(table, name, dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in names)}) FROM STDIN"
    driver = connection.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise RuntimeError("COPY needs the psycopg driver")
    processed = [(index, process) for index, process in enumerate(processors) if process]
    with driver.cursor() as cursor:
        for start in range(0, len(rows), COPY_ROWS):
            with cursor.copy(statement) as copy:
                for row in rows[start : start + COPY_ROWS]:
                    if missing:
                        row = {**missing, **row}
                    values = [row[name] for name in names]
                    for index, process in processed:
                        if values[index] is not None:
                            values[index] = process(values[index])
                    copy.write_row(values)


def _filled(column: Any) -> bool:
    """A column a row may leave out that an INSERT would still fill from a scalar default."""
    return column.default is not None and getattr(column.default, "is_scalar", False)


def _default(table: Table, name: str) -> Any:
    default = table.c[name].default
    if isinstance(default, ScalarElementColumnDefault):
        return default.arg
    return None


def _processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    column_type = table.c[name].type
    return column_type.dialect_impl(dialect).bind_processor(dialect)
