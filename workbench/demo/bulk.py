"""Bulk inserts for seeding: PostgreSQL's COPY, SQLite's executemany. Rows carry their own
primary keys, so children can point at parents without reading ids back."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Connection, Table, func, select, text
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Table. SQLModel sets `__table__` on every `table=True` class, but its
    type information does not declare it."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # see above
    return table


def next_id(connection: Connection, table: Table) -> int:
    return (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        _executemany(connection, table, rows)
        return
    columns = list(rows[0])
    statement = f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN'
    import psycopg  # PostgreSQL only: SQLite runs without it

    driver = connection.connection.driver_connection
    if not isinstance(driver, psycopg.Connection):
        raise RuntimeError("COPY needs the psycopg driver")
    cursor = driver.cursor()
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([_copy_value(row[c]) for c in columns])
    cursor.close()


def _executemany(connection: Connection, table: Table, rows: Sequence[dict]) -> None:
    """One compiled INSERT and the driver's executemany over plain tuples: the columns' own
    bind processors (UTC timestamps, money in fen, enums) are applied once per value, without
    the per-row work of an ORM-level execute."""
    dialect = connection.dialect
    columns = list(rows[0])
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    ]
    quote = dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    plain = [i for i, process in enumerate(processors) if process is None]
    if len(plain) == len(columns):
        params = [tuple(row[c] for c in columns) for row in rows]
    else:
        pairs = list(zip(columns, processors, strict=True))
        params = [
            tuple(row[c] if process is None else process(row[c]) for c, process in pairs)
            for row in rows
        ]
    connection.exec_driver_sql(statement, params)


def _copy_value(value):
    if isinstance(value, Decimal):  # Money columns hold whole fen
        return int((value * 100).to_integral_value())
    return value


def reset_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """After inserting explicit ids, PostgreSQL's sequences must move past them."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'GREATEST((SELECT max(id) FROM "{table.name}"), 1))'
            )
        )
