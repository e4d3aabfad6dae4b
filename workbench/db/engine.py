"""One engine per process, chosen by URL: SQLite (WAL, foreign keys on) or PostgreSQL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from workbench.db.failures import DatabaseBusy, explain
from workbench.errors import ConfigError


def create_db_engine(url: str, *, echo: bool = False, busy_timeout: float = 15.0) -> Engine:
    """`busy_timeout`: seconds a SQLite writer waits for another process's write lock."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            private_sqlite_files(Path(parsed.database).expanduser())
        engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout})
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=int(busy_timeout * 1000)))
        # pysqlite's own transaction handling defers BEGIN; issue it ourselves so that
        # BEGIN IMMEDIATE (see `immediate_session`) and SAVEPOINTs behave as documented.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ConfigError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def private_sqlite_files(database: Path) -> None:
    """The database file is created owner-only (0600) before SQLite opens it; SQLite gives its
    -wal and -shm files the database file's mode. Files of ours left looser are tightened."""
    if os.name != "posix" or str(database).startswith("file:"):
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            status = path.stat()
            if status.st_uid == os.getuid() and status.st_mode & 0o077:
                path.chmod(0o600)


def _sqlite_pragmas(
    dbapi_connection: SQLiteConnection, _record: ConnectionPoolEntry, *, busy_ms: int
) -> None:
    dbapi_connection.isolation_level = None  # autocommit at the driver; SQLAlchemy sends BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


@contextmanager
def immediate_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction takes the write lock at once on SQLite (BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads and then writes can fail at once with "database is
    locked" when another writer got there first; taking the lock up front makes writers queue
    under busy_timeout instead. PostgreSQL needs nothing: row locks do the queueing. A lock
    another writer still holds when busy_timeout runs out is DatabaseBusy (naming the holders),
    not the driver's error.
    """
    try:
        with factory() as session:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            yield session
    except sa_exc.OperationalError as error:
        bind = factory.kw.get("bind")
        typed = explain(error, sqlite_path=sqlite_file(bind) if bind is not None else None)
        if isinstance(typed, DatabaseBusy):
            raise typed from error
        raise


@contextmanager
def immediate_connection(engine: Engine) -> Iterator[Connection]:
    """`immediate_session` without the ORM, for a hot path of Core statements: a connection in
    a transaction (BEGIN IMMEDIATE on SQLite) committed when the block ends, rolled back if it
    raises; DatabaseBusy likewise. A Session costs about 0.3 ms of CPU more a transaction."""
    try:
        with engine.connect() as connection:
            connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection
    except sa_exc.OperationalError as error:
        typed = explain(error, sqlite_path=sqlite_file(engine))
        if isinstance(typed, DatabaseBusy):
            raise typed from error
        raise


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite database file, or None (PostgreSQL, or an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Path(engine.url.database).expanduser()


def is_sqlite(engine_or_session: Engine | Connection | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


def refresh_planner_statistics(factory: sessionmaker[Session], *tables: str) -> None:
    """ANALYZE after a bulk load, on PostgreSQL. Where autovacuum is off or has not come round
    yet, a table loaded in one go has no statistics: the planner then guesses a few rows and may
    sort a 100,000-task queue for every claim (seconds) instead of walking its index (0.3 ms).
    No tables: the whole database. SQLite is left alone: its claim query is planned by hints
    (`likely`), which statistics would override."""
    with factory() as session:
        if is_sqlite(session):
            return
        for table in tables or ("",):
            if table and not table.isidentifier():
                raise ValueError(f"not a table name: {table!r}")
            session.execute(text(f"ANALYZE {table}"))
        session.commit()
