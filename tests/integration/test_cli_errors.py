"""The CLI never prints a traceback. With real parts: a SQLite file with no tables, a SQLite file
whose write lock another process holds past the busy timeout, a PostgreSQL URL on a port nothing
listens on, and a use case that fails unexpectedly (exit 1, an incident id, the traceback in the
log file only, and no personal data there)."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.usecases.messages import MessageDesk


@pytest.fixture
def sqlite_only(wb) -> Path:
    """The test database's file; these tests are about SQLite itself."""
    url = wb.settings.database_url
    if not url.startswith("sqlite"):
        pytest.skip("a SQLite file is what this test is about")
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def log_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "logs" / "workbench.log"
    monkeypatch.setenv("WORKBENCH_LOGGING_FILE", str(path))
    return path


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", [("complaints", "sweep"), ("outbox", "status")])
def test_a_database_without_the_schema_says_run_db_upgrade(
    run_cli, world, sqlite_only, tmp_path, monkeypatch, log_file, command
):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{empty}")

    code, _, err = run_cli(*command)

    assert code == 2
    assert "run `workbench db upgrade`" in _one_error_line(err)
    assert "Traceback" not in (log_file.read_text() if log_file.exists() else "")


def test_a_locked_database_waits_then_names_the_process_that_holds_it(
    run_cli, world, sqlite_only, tmp_path, monkeypatch, log_file
):
    assert run_cli("outbox", "status")[0] == 0  # run_cli's own set-up writes: before the lock
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"db = sqlite3.connect({str(sqlite_only)!r}, isolation_level=None)\n"
            "db.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("WORKBENCH_DATABASE_BUSY_TIMEOUT_SECONDS", "0.5")
        started = time.monotonic()
        code, _, err = run_cli("backup", "create", "--output", str(tmp_path / "b.wbk"))
        waited = time.monotonic() - started
    finally:
        holder.communicate("", timeout=10)

    assert code == 2
    line = _one_error_line(err)
    assert "the database is locked by another process" in line
    assert f"pid {holder.pid} (" in line
    assert "busy_timeout_seconds" in line
    assert waited >= 0.5  # it waited for the lock before giving up


def test_a_database_server_that_cannot_be_reached_says_so(run_cli, world, monkeypatch, log_file):
    with socket.socket() as probe:  # a local port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(
        "WORKBENCH_DATABASE_URL", f"postgresql+psycopg://workbench@127.0.0.1:{port}/workbench"
    )

    code, _, err = run_cli("outbox", "status")

    assert code == 2
    line = _one_error_line(err)
    assert line.startswith("error: cannot reach the database (")
    assert "check [database] url" in line


def test_an_unexpected_error_is_logged_with_an_id_and_never_shown(
    run_cli, wb, world, monkeypatch, log_file
):
    phone = world.app.phone

    def broken(self, *, failures: int = 10):
        raise RuntimeError(f"a bug while looking at {phone}")

    monkeypatch.setattr(MessageDesk, "status", broken)

    code, out, err = run_cli("outbox", "status")

    assert code == 1
    line = _one_error_line(err)
    assert line.startswith("error: something went wrong; it was logged as ")
    incident = line.removeprefix("error: something went wrong; it was logged as ").split()[0]
    assert f" in {log_file}" in line
    assert phone not in out + err
    logged = log_file.read_text(encoding="utf-8")
    assert f"incident {incident}" in logged
    assert "Traceback" in logged and "RuntimeError: a bug while looking at" in logged
    assert phone not in logged and phone[-8:] not in logged  # redacted in the log too
    assert world.app.name not in logged


def test_a_refusal_is_one_line_and_exit_code_2(run_cli, world, log_file):
    code, _, err = run_cli("outbox", "cancel", "1", user="agent")
    assert code == 2
    assert _one_error_line(err) == "error: agent (agent) may not change messages"


def test_settings_that_do_not_load_still_log_to_the_default_file(
    run_cli, world, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("WORKBENCH_DATABASE_BUSY_TIMEOUT_SECONDS", "soon")

    code, _, err = run_cli("outbox", "status")

    assert code == 2 and "Traceback" not in err
    assert err.startswith("error: invalid settings:") and "busy_timeout_seconds" in err
    assert list((tmp_path / "state").rglob("workbench.log"))
