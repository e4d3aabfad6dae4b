"""Empty, unmigrated databases of a test's own, on the backend the test runs on."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_ADMIN_URL


@contextmanager
def empty_database(backend_url: str, sqlite_file: Path, prefix: str) -> Iterator[str]:
    """The URL of a new empty database on `backend_url`'s backend: the SQLite file
    `sqlite_file` (removed with the test's tmp_path), or a PostgreSQL database named
    `prefix_<random>` beside the tests' own, dropped afterwards."""
    if backend_url.startswith("sqlite"):
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
