"""Shared by the benchmark scripts: fresh databases on each backend, the machine's description."""

from __future__ import annotations

import os
import platform
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbench.db import create_db_engine
from workbench.db.migrate import upgrade

PG_ADMIN_URL = os.environ.get(
    "WORKBENCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}, {date.today()}"


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A new, migrated database; removed afterwards. Its audit anchors go to a file of its own
    (by default they go beside the user's key file, where they belong to the user's database)."""
    with tempfile.TemporaryDirectory() as anchors:
        previous = os.environ.get("WORKBENCH_AUDIT_ANCHOR_FILE")
        os.environ["WORKBENCH_AUDIT_ANCHOR_FILE"] = str(Path(anchors) / "audit-anchors.jsonl")
        try:
            yield from _fresh_database(backend)
        finally:
            if previous is None:
                os.environ.pop("WORKBENCH_AUDIT_ANCHOR_FILE", None)
            else:
                os.environ["WORKBENCH_AUDIT_ANCHOR_FILE"] = previous


def _fresh_database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            _migrate(url)
            yield url
        return
    name = f"workbench_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]
