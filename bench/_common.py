"""Shared by the benchmark scripts: fresh databases on each backend, the machine's description."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workbench.db import create_db_engine
from workbench.db.migrate import upgrade
from workbench.demo import bulk
from workbench.members.models import Role, Staff, Store

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


def timed(call: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Seconds one call takes, and what it returned."""
    started = time.perf_counter()
    result = call(*args)
    return time.perf_counter() - started, result


def median_of(repeat: int, call: Callable[..., Any], *args: Any) -> float:
    """The median of `repeat` timed calls, in seconds."""
    return statistics.median(timed(call, *args)[0] for _ in range(repeat))


def insert_stores_and_staff(
    connection: Any, stores: int, people: list[tuple[str, Role, int | None]], now: datetime
) -> None:
    """Stores 1..`stores` (S001, ...) and one active staff row per (username, role, store id),
    ids from 1 in order, without passwords; the sequences are moved past them."""
    bulk.bulk_insert(
        connection,
        Store.__table__,
        [
            {
                "id": i,
                "code": f"S{i:03d}",
                "name": f"门店{i}",
                "kind": "direct",
                "city": "",
                "timezone": None,
                "requires_terminal": False,
            }
            for i in range(1, stores + 1)
        ],
    )
    bulk.bulk_insert(
        connection,
        Staff.__table__,
        [
            {
                "id": i,
                "username": u,
                "display_name": u,
                "role": r.value,
                "store_id": s,
                "team": None,
                "password_hash": None,
                "failed_logins": 0,
                "locked_until": None,
                "active": True,
                "created_at": now,
            }
            for i, (u, r, s) in enumerate(people, start=1)
        ],
    )
    bulk.reset_sequences(connection, [Store.__table__, Staff.__table__])


def analyze(engine: Any) -> None:
    """Planner statistics after a bulk load: ANALYZE on SQLite; on PostgreSQL VACUUM ANALYZE,
    as autovacuum would (statistics and the visibility map)."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
