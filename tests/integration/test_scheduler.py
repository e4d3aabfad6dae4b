"""The scheduler service as real processes: one active, a standby that takes over when the
active one is killed, a clean stop on SIGTERM, jobs stored under fixed ids."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from workbench.complaints.service import ComplaintIntake
from workbench.db.leader import ADVISORY_KEY
from workbench.scheduler import jobs
from workbench.scheduler.service import job_plan
from workbench.usecases import build_usecases


def _start(db_url, keyring):
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": db_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        "WORKBENCH_SCHEDULER_STANDBY_POLL_SECONDS": "0.2",
        "WORKBENCH_SCHEDULER_LOCK_CHECK_SECONDS": "0.2",
        "WORKBENCH_SCHEDULER_SWEEP_SECONDS": "5",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(process, expected, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if expected in line:
            return
        if not line and process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {process.stderr.read()[-2000:]}")
    raise AssertionError(f"no {expected!r} within {timeout} s")


def test_standby_takes_over_when_the_active_one_dies(wb, keyring, db_url):
    first = _start(db_url, keyring)
    second = None
    try:
        _wait_for_line(first, "scheduler: active")
        second = _start(db_url, keyring)
        _wait_for_line(second, "scheduler: standby")
        with wb.engine.connect() as connection:
            ids = set(connection.execute(text("SELECT id FROM apscheduler_jobs")).scalars())
        assert ids == {job_id for job_id, _, _ in job_plan(wb)}
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        _wait_for_line(second, "scheduler: active", timeout=20)
        second.send_signal(signal.SIGTERM)
        _wait_for_line(second, "scheduler: stopped")
        assert second.wait(timeout=20) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def _take_the_lock_away(wb, db_url):
    """What an outage does to the active scheduler's lock while its process lives on: the
    lock's connection is cut (PostgreSQL), or the lock file is deleted (SQLite)."""
    if wb.engine.dialect.name == "postgresql":
        with wb.engine.connect() as connection:
            [holder] = (
                connection.execute(
                    text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND objid::bigint = :k AND database = "
                        "(SELECT oid FROM pg_database WHERE datname = current_database())"
                    ),
                    {"k": ADVISORY_KEY},
                )
                .scalars()
                .all()
            )
            assert connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": holder})
        return holder
    os.remove(f"{make_url(db_url).database}.scheduler.lock")
    return None


def test_a_scheduler_that_loses_its_lock_steps_down_and_the_standby_takes_over(wb, keyring, db_url):
    first = _start(db_url, keyring)
    second = None
    try:
        _wait_for_line(first, "scheduler: active")
        second = _start(db_url, keyring)
        _wait_for_line(second, "scheduler: standby")
        old_holder = _take_the_lock_away(wb, db_url)
        _wait_for_line(second, "scheduler: active", timeout=20)
        _wait_for_line(first, "scheduler: lost the leader lock", timeout=20)
        _wait_for_line(first, "scheduler: standby", timeout=20)  # and it waits its turn
        if wb.engine.dialect.name == "postgresql":
            with wb.engine.connect() as connection:
                holders = (
                    connection.execute(
                        text(
                            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                            "AND objid::bigint = :k AND database = "
                            "(SELECT oid FROM pg_database WHERE datname = current_database())"
                        ),
                        {"k": ADVISORY_KEY},
                    )
                    .scalars()
                    .all()
                )
            assert len(holders) == 1 and holders != [old_holder]
        for process in (first, second):
            process.send_signal(signal.SIGTERM)
            _wait_for_line(process, "scheduler: stopped")
            assert process.wait(timeout=20) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def test_jobs_run_in_process_and_are_idempotent(wb, world, clock):
    jobs.install(wb)
    with wb.sessions() as session:
        wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="billing",
                priority="urgent",
                description="扣费",
                member_no=world.member_no,
            ),
            actor=world.staff["agent"],
        )
        # A window longer than the 10 days below: the lease lapses, the task stays callable.
        wb.callbacks.schedule(
            session,
            member_id=world.member_id,
            reason="tier_change",
            latest_at=clock.now() + timedelta(days=30),
        )
        session.commit()
    wb.callbacks.claim_next(world.staff["agent"])
    clock.advance(days=10)
    for job_id, function, _ in job_plan(wb):
        if job_id != "backup":
            function()
            function()  # a second run changes nothing more
    from sqlalchemy import func, select

    from workbench.callbacks.models import CallbackTask
    from workbench.complaints.models import ComplaintEvent

    with wb.sessions() as session:
        escalations = session.scalar(
            select(func.count())
            .select_from(ComplaintEvent)
            .where(ComplaintEvent.action == "escalated")
        )
        assert escalations == 6  # every rung of the first-response and resolution clocks
        assert session.scalar(select(CallbackTask.status)) == "queued"  # the lease lapsed


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_backup_job_writes_an_encrypted_file(wb, tmp_path):
    settings = wb.settings.model_copy(update={"backup_directory": str(tmp_path / "backups")})
    wb.settings = settings
    wb.usecases = build_usecases(wb, wb.telephony)  # built with the new backup directory
    jobs.install(wb)
    jobs.backup()
    [written] = list((tmp_path / "backups").iterdir())
    assert written.suffix == ".wbk" and written.read_bytes().startswith(b"WORKBENCH-BACKUP-1")
