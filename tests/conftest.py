"""Fixtures shared by every test: a database on each backend, keys, a fixed clock, a workbench.

`db_url` is parametrised over SQLite and PostgreSQL. PostgreSQL (WORKBENCH_TEST_PG_URL, default
postgres@127.0.0.1:5432/test) gets one fresh database per test run, migrated once and emptied
between tests; where no server answers, its tests are skipped with the reason, unless
WORKBENCH_REQUIRE_POSTGRES=1 (as in CI), where that is a failure.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from workbench.bootstrap import build
from workbench.clock import FixedClock
from workbench.crypto import Keyring
from workbench.db import create_db_engine
from workbench.db.migrate import upgrade
from workbench.db.tables import metadata
from workbench.settings import load_settings

pytest_plugins = ["tests.fixtures_world", "tests.peers.fixtures", "tests.fixtures_odoo"]

PG_ADMIN_URL = os.environ.get(
    "WORKBENCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Monday 2 March 2026, 09:00 in Shanghai.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


# Files whose tests take tens of seconds each: run first, so that no worker is left running one
# of them alone while the others have finished (measured with --durations=0).
SLOW_FIRST = frozenset(
    {
        "test_web_browser.py",
        "test_safe_keys.py",
        "test_member_journey.py",
        "test_points_stateful.py",
        "test_static_checks.py",
        "test_points_concurrency.py",
        "test_rollups_equal_direct.py",
        "test_outbox_process.py",
        "test_outbox_kill.py",
        "test_access_matrix.py",
        "test_scheduler.py",
        "test_metrics_health.py",
        "test_small_groups_realistic.py",
        "test_seed.py",
        "test_seed_staged.py",
    }
)


def pytest_collection_modifyitems(config, items) -> None:
    items.sort(key=lambda item: item.path.name not in SLOW_FIRST)  # stable: otherwise as found


def _postgres_unavailable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server here
        return f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: {exc}"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database_url():
    reason = _postgres_unavailable()
    if reason:
        if os.environ.get("WORKBENCH_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (WORKBENCH_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    name = f"workbench_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # Commits need not wait for the disk: durability against a crash of the server is not
        # what the suite tests, and the flush was a good part of every PostgreSQL test's time.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, sqlite_template) -> str:
    if request.param == "sqlite":
        return sqlite_copy(tmp_path, sqlite_template)
    url = request.getfixturevalue("pg_database_url")
    _empty_postgres(url)
    return url


def sqlite_copy(tmp_path, template) -> str:
    """A fresh migrated SQLite database for one test: a copy of the run's template file."""
    path = tmp_path / "workbench.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def _empty_postgres(url: str) -> None:
    """Every table emptied and every sequence back at 1, as a fresh database. DELETE, children
    first, rather than TRUNCATE: on tables this small TRUNCATE costs a new file per table
    (about 220 ms a test against 17 ms). One engine per database for the run, and the whole
    emptying sent as one batch of statements: a round trip per table was most of its time."""
    engine = _admin_engine(url)
    with engine.begin() as connection:
        superuser = _is_superuser(connection)
        # audit_entry and audit_head refuse DELETE (triggers of migration 0016): this cleanup
        # is the owner's, and skips them (replica mode as a superuser, else the owner's ALTER).
        statements = [
            *AUDIT_TRIGGERS_OFF[superuser],
            *(f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)),
            "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'",
            f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')",
            *(() if superuser else AUDIT_TRIGGERS_ON),
        ]
        connection.exec_driver_sql(";\n".join(statements))


@functools.cache
def _admin_engine(url: str) -> Engine:
    return create_engine(url, pool_size=1, pool_pre_ping=True)  # some tests end backends


AUDIT_TRIGGERS_OFF = {
    True: ["SET LOCAL session_replication_role = replica"],
    False: [f"ALTER TABLE {t} DISABLE TRIGGER USER" for t in ("audit_entry", "audit_head")],
}
AUDIT_TRIGGERS_ON = [f"ALTER TABLE {t} ENABLE TRIGGER USER" for t in ("audit_entry", "audit_head")]


def _is_superuser(connection) -> bool:
    return connection.execute(text("SELECT current_setting('is_superuser')")).scalar() == "on"


@pytest.fixture(autouse=True)
def _log_file_of_the_test(tmp_path, monkeypatch):
    """Commands and the TUI log to the test's own file, never to the user's log directory."""
    monkeypatch.setenv("WORKBENCH_LOGGING_FILE", str(tmp_path / "workbench.log"))
    # and anchor the audit chain in the test's own file, never beside the user's key file.
    monkeypatch.setenv("WORKBENCH_AUDIT_ANCHOR_FILE", str(tmp_path / "audit-anchors.jsonl"))
    # Erasures are recorded in a file too (beside the key file by default): the test's own.
    monkeypatch.setenv("WORKBENCH_BACKUP_ERASURE_LEDGER_FILE", str(tmp_path / "erasures.jsonl"))
    # Passwords hashed at argon2's smallest cost: what sign-in checks is the same, in 1 ms
    # instead of 80 (tests/unit/test_password_cost.py checks that the setting is obeyed).
    monkeypatch.setenv("WORKBENCH_PROTECTION_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("WORKBENCH_PROTECTION_PASSWORD_MEMORY_KIB", "32")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    return Keyring.generate()


@pytest.fixture
def settings(db_url, tmp_path):
    return load_settings(database_url=db_url, keys_file=str(tmp_path / "keys.json"))


@pytest.fixture
def wb(settings, clock, keyring):
    workbench = build(settings, clock=clock, keyring=keyring)
    yield workbench
    workbench.dispose()
