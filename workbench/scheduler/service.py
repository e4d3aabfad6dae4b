"""`workbench scheduler`: wait as a standby until this process holds the leader lock, then run
APScheduler with its SQLAlchemy job store on the project's database, jobs registered by fixed
ids. SIGTERM (or SIGINT) stops it cleanly: running jobs finish, the lock is released."""

from __future__ import annotations

import logging
import signal
import threading

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from workbench.bootstrap import Workbench
from workbench.scheduler import jobs
from workbench.scheduler.leader import LeaderLock

log = logging.getLogger(__name__)
JOBS_TABLE = "apscheduler_jobs"


def job_plan(wb: Workbench) -> list[tuple[str, object, object]]:
    """(fixed id, function, trigger) of every periodic job."""
    s, zone = wb.settings, wb.settings.timezone
    every = s.scheduler_sweep_seconds
    return [
        ("escalation_sweep", jobs.escalation_sweep, IntervalTrigger(seconds=every)),
        ("return_lapsed_leases", jobs.return_lapsed_leases, IntervalTrigger(seconds=every)),
        ("materialise_campaigns", jobs.materialise_campaigns,
         IntervalTrigger(minutes=s.scheduler_materialise_minutes)),
        ("expire_points", jobs.expire_points,
         CronTrigger.from_crontab(s.scheduler_points_expiry_cron, timezone=zone)),
        ("tier_review", jobs.tier_review,
         CronTrigger.from_crontab(s.scheduler_tier_review_cron, timezone=zone)),
        ("backup", jobs.backup, CronTrigger.from_crontab(s.scheduler_backup_cron, timezone=zone)),
    ]  # fmt: skip


def build_scheduler(wb: Workbench) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=wb.engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=wb.settings.timezone,
    )
    for job_id, function, trigger in job_plan(wb):
        scheduler.add_job(function, trigger, id=job_id, name=job_id, replace_existing=True)
    return scheduler


def run(wb: Workbench, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    jobs.install(wb)
    lock = LeaderLock(wb.engine)
    announced = False
    while not stop.is_set():
        if lock.try_acquire():
            break
        if not announced:
            log.warning("another scheduler is active on this database: standing by")
            print("scheduler: standby", flush=True)
            announced = True
        stop.wait(wb.settings.scheduler_standby_poll_seconds)
    if stop.is_set():
        print("scheduler: stopped", flush=True)
        return
    scheduler = build_scheduler(wb)
    scheduler.start()
    print("scheduler: active", flush=True)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        lock.release()
        print("scheduler: stopped", flush=True)
