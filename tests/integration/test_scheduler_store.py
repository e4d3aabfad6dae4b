"""The scheduler's job store across restarts, with the real SQLAlchemy job store: a run missed
while no scheduler ran is made up once when one starts; an unchanged job keeps its stored next
run time; a changed schedule replaces it; a job no longer planned is removed."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from tests import scheduler_probe
from workbench.scheduler.service import JOBS_TABLE, build_scheduler, misfire_grace, reconcile, start

DAILY = "0 4 * * *"


@pytest.fixture
def store(wb):
    """An empty job store (PostgreSQL keeps APScheduler's table between tests)."""
    with wb.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {JOBS_TABLE}"))
    scheduler_probe.reset()
    yield wb
    scheduler_probe.reset()


def _plan(cron=DAILY, function=scheduler_probe.probe):
    return [("probe", function, CronTrigger.from_crontab(cron, timezone=UTC))]


def _paused(wb, plan):
    """A scheduler started paused with the plan reconciled: jobs stored, nothing run."""
    scheduler = build_scheduler(wb)
    scheduler.start(paused=True)
    return scheduler, reconcile(scheduler, plan)


def _stored_next_run(wb, job_id="probe") -> datetime:
    with wb.engine.connect() as connection:
        stamp = connection.execute(
            text(f"SELECT next_run_time FROM {JOBS_TABLE} WHERE id = :id"), {"id": job_id}
        ).scalar()
    return datetime.fromtimestamp(stamp, UTC)


def _wait_for_runs(seconds=10.0) -> int:
    assert scheduler_probe.ran.wait(seconds), "the missed run did not run"
    time.sleep(0.5)  # time enough for any further run to happen
    return len(scheduler_probe.runs)


def test_a_missed_run_runs_once_when_the_scheduler_starts(store):
    wb = store
    scheduler, done = _paused(wb, _plan())
    assert done == {"probe": "added"}
    natural = scheduler.get_job("probe").next_run_time
    # As if no scheduler had run for three days: three daily runs were missed.
    scheduler.modify_job("probe", next_run_time=natural - timedelta(days=3))
    scheduler.shutdown()
    assert _stored_next_run(wb) == natural - timedelta(days=3)
    assert scheduler_probe.runs == []

    scheduler = build_scheduler(wb)
    try:
        assert start(scheduler, _plan()) == {"probe": "kept"}
        assert _wait_for_runs() == 1  # one run for the three missed, however late
    finally:
        scheduler.shutdown()
    assert _stored_next_run(wb) == natural  # and back on its schedule


def test_an_unchanged_job_keeps_its_stored_next_run(store):
    wb = store
    scheduler, _ = _paused(wb, _plan())
    later = scheduler.get_job("probe").next_run_time + timedelta(days=2)
    scheduler.modify_job("probe", next_run_time=later)
    scheduler.shutdown()
    scheduler, done = _paused(wb, _plan())
    scheduler.shutdown()
    assert done == {"probe": "kept"} and _stored_next_run(wb) == later


def test_a_changed_schedule_or_function_replaces_the_job(store):
    wb = store
    scheduler, _ = _paused(wb, _plan())
    later = scheduler.get_job("probe").next_run_time + timedelta(days=2)
    scheduler.modify_job("probe", next_run_time=later)
    scheduler.shutdown()
    scheduler, done = _paused(wb, _plan(cron="30 5 * * *"))
    next_run = scheduler.get_job("probe").next_run_time
    scheduler.shutdown()
    assert done == {"probe": "replaced"}
    assert _stored_next_run(wb) == next_run < later and (next_run.hour, next_run.minute) == (5, 30)
    scheduler, done = _paused(wb, _plan(cron="30 5 * * *", function=scheduler_probe.other_probe))
    scheduler.shutdown()
    assert done == {"probe": "replaced"}


def test_new_settings_keep_the_next_run_and_unplanned_jobs_go(store):
    wb = store
    scheduler = build_scheduler(wb)
    scheduler.start(paused=True)
    # Stored by an older version: an hour's grace; and a job that is no longer planned.
    scheduler.add_job(
        scheduler_probe.probe,
        CronTrigger.from_crontab(DAILY, timezone=UTC),
        id="probe",
        misfire_grace_time=3600,
    )
    scheduler.add_job(scheduler_probe.other_probe, IntervalTrigger(minutes=5), id="retired")
    later = scheduler.get_job("probe").next_run_time + timedelta(days=1)
    scheduler.modify_job("probe", next_run_time=later)
    scheduler.shutdown()
    scheduler, done = _paused(wb, _plan())
    job = scheduler.get_job("probe")
    scheduler.shutdown()
    assert done == {"probe": "updated", "retired": "removed"}
    assert job.misfire_grace_time is None and job.coalesce and job.max_instances == 1
    assert _stored_next_run(wb) == later


def test_grace_is_unbounded_for_calendar_jobs_and_one_interval_for_interval_jobs(wb):
    from workbench.scheduler.service import job_plan

    graces = {job_id: misfire_grace(trigger) for job_id, _, trigger in job_plan(wb)}
    assert graces["tier_review"] is None and graces["backup"] is None
    assert graces["escalation_sweep"] == wb.settings.scheduler_sweep_seconds
    assert graces["materialise_campaigns"] == 60 * wb.settings.scheduler_materialise_minutes


def test_a_scheduler_that_fails_to_start_lets_the_lock_go(store, monkeypatch):
    from workbench.db.leader import LeaderLock
    from workbench.scheduler import service

    wb = store

    def broken(scheduler, plan):
        scheduler.start(paused=True)
        raise RuntimeError("the job store is unreadable")

    monkeypatch.setattr(service, "start", broken)
    monkeypatch.setattr(service.signal, "signal", lambda *_: None)  # not the main thread's
    with pytest.raises(RuntimeError, match="unreadable"):
        service.run(wb)
    standby = LeaderLock(wb.engine)
    assert standby.try_acquire()  # a standby may take over at once
    standby.release()


def test_a_lock_with_its_own_key_knows_it_holds_it(wb):
    """The Odoo sync's lock is not the scheduler's: each checks its own key (the check once
    looked for the scheduler's key whatever the lock's own was)."""
    from workbench.db.leader import ADVISORY_KEY, LeaderLock

    other = LeaderLock(wb.engine, key=ADVISORY_KEY + 1, name="odoo-sync")
    assert other.try_acquire()
    try:
        assert other.still_held()
        scheduler = LeaderLock(wb.engine)
        assert scheduler.try_acquire()  # a different lock: free
        scheduler.release()
    finally:
        other.release()
