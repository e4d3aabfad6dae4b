"""`workbench scheduler`: wait as a standby until this process holds the leader lock, then run
APScheduler with its SQLAlchemy job store on the project's database, jobs registered by fixed
ids. SIGTERM (or SIGINT) stops it cleanly: running jobs finish, the lock is released. A scheduler
that finds it has lost the lock stops its jobs and goes back to standing by.

Starting does not simply replace every stored job: that would recompute each next run time from
now, and a run that fell due while no scheduler ran (last night's backup, the quarterly tier
review) would never happen. The stored jobs are reconciled with the plan instead (`reconcile`):
an unchanged job keeps its stored next run time, so a missed run is made up once (runs coalesce)
as soon as the scheduler starts."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable, Mapping

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import obj_to_ref
from sqlalchemy.exc import SQLAlchemyError

from workbench.bootstrap import Workbench
from workbench.db.leader import LeaderLock
from workbench.metrics import MetricsServer, SchedulerMetrics, operations_registry
from workbench.scheduler import jobs

log = logging.getLogger(__name__)
JOBS_TABLE = "apscheduler_jobs"
# Missed runs of a job coalesce into one; a job never overlaps itself.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1}

Plan = Iterable[tuple[str, Callable[[], None], BaseTrigger]]


def job_plan(wb: Workbench) -> list[tuple[str, Callable[[], None], BaseTrigger]]:
    """(fixed id, function, trigger) of every periodic job."""
    s, zone = wb.settings, wb.settings.timezone
    every = s.scheduler_sweep_seconds
    odoo = [("odoo_sync", jobs.odoo_sync, IntervalTrigger(minutes=s.scheduler_odoo_sync_minutes))]
    rollups = [
        (
            "refresh_report_rollups",
            jobs.refresh_report_rollups,
            IntervalTrigger(minutes=s.scheduler_report_rollups_minutes or 1),
        )
    ]
    return [
        ("escalation_sweep", jobs.escalation_sweep, IntervalTrigger(seconds=every)),
        ("return_lapsed_leases", jobs.return_lapsed_leases, IntervalTrigger(seconds=every)),
        ("expire_callback_tasks", jobs.expire_callback_tasks, IntervalTrigger(seconds=every)),
        (
            "materialise_campaigns",
            jobs.materialise_campaigns,
            IntervalTrigger(minutes=s.scheduler_materialise_minutes),
        ),
        (
            "expire_points",
            jobs.expire_points,
            CronTrigger.from_crontab(s.scheduler_points_expiry_cron, timezone=zone),
        ),
        (
            "tier_review",
            jobs.tier_review,
            CronTrigger.from_crontab(s.scheduler_tier_review_cron, timezone=zone),
        ),
        ("backup", jobs.backup, CronTrigger.from_crontab(s.scheduler_backup_cron, timezone=zone)),
        ("audit_sequence", jobs.audit_sequence, IntervalTrigger(seconds=every)),
        (
            "audit_anchor",
            jobs.audit_anchor,
            IntervalTrigger(minutes=s.scheduler_audit_anchor_minutes),
        ),
        ("send_outbox", jobs.send_outbox, IntervalTrigger(seconds=s.messaging_send_seconds)),
        (
            "points_expiry_reminders",
            jobs.points_expiry_reminders,
            CronTrigger.from_crontab(s.scheduler_reminders_cron, timezone=zone),
        ),
        (
            "birthday_greetings",
            jobs.birthday_greetings,
            CronTrigger.from_crontab(s.scheduler_birthday_cron, timezone=zone),
        ),
        (
            "monthly_care",
            jobs.monthly_care,
            CronTrigger.from_crontab(s.scheduler_care_cron, timezone=zone),
        ),
        (
            "goods_reminders",
            jobs.goods_reminders,
            CronTrigger.from_crontab(s.scheduler_goods_reminders_cron, timezone=zone),
        ),
        (
            "activity_reminders",
            jobs.activity_reminders,
            CronTrigger.from_crontab(s.scheduler_activity_reminders_cron, timezone=zone),
        ),
        (
            "due_terminations",
            jobs.due_terminations,
            CronTrigger.from_crontab(s.scheduler_terminations_cron, timezone=zone),
        ),
        *(odoo if s.odoo_host else []),  # only where Odoo is configured
        *(rollups if s.scheduler_report_rollups_minutes else []),  # 0: reports compute directly
    ]


def misfire_grace(trigger: BaseTrigger) -> int | None:
    """How late a missed run may still start, in seconds (None: however late).

    Calendar jobs (cron: the nightly backup and points expiry, the daily and monthly mailings,
    the quarterly tier review) run however late: a run missed while no scheduler ran must still
    happen, once. Each of them acts on the state of the day it runs and is idempotent, so a late
    run does the missed work. Interval jobs (the sweep, leases, expiry, campaigns, the outbox)
    get one interval: the next run comes that soon anyway and does the same work, so an older
    run is dropped rather than started late."""
    if isinstance(trigger, IntervalTrigger):
        return max(int(trigger.interval.total_seconds()), 1)
    return None


def trigger_signature(trigger: BaseTrigger) -> str:
    """What makes two triggers fire at the same times (their state, less an interval trigger's
    start, which defaults to "now + interval" and so differs at every start)."""
    state = dict(trigger.__getstate__())
    if isinstance(trigger, IntervalTrigger):
        state.pop("start_date", None)
    return f"{type(trigger).__name__}:{state!r}"


class WorkbenchScheduler(BackgroundScheduler):  # type: ignore[misc]  # apscheduler has no types
    """APScheduler 3.x's loop looks for due jobs once more after `shutdown` has stopped the
    executors: a job due at that moment has its next run time moved on but never runs (a SIGTERM
    at 04:00 would cost that night's backup). Not once it is stopped; the check is made under
    the job-store lock that `shutdown` takes before stopping the executors."""

    def _process_jobs(self) -> float | None:  # seconds to the next job, None: no job
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            wait: float | None = super()._process_jobs()
            return wait


def _what_runs_when(
    func_ref: str, args: Iterable[object], kwargs: Mapping[str, object], trigger: BaseTrigger
) -> tuple[str, tuple[object, ...], dict[str, object], str]:
    return func_ref, tuple(args), dict(kwargs), trigger_signature(trigger)


def build_scheduler(wb: Workbench) -> BackgroundScheduler:
    return WorkbenchScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=wb.engine, tablename=JOBS_TABLE)},
        job_defaults=JOB_DEFAULTS,
        timezone=wb.settings.timezone,
    )


def reconcile(scheduler: BackgroundScheduler, plan: Plan) -> dict[str, str]:
    """Make the stored jobs match the plan, keeping what is unchanged. The scheduler must be
    started paused, so that nothing runs before the store holds the plan. Returns, per job id,
    what was done: kept, updated (settings only; its next run time kept), replaced (its
    function or trigger changed: next run time from now), added, or removed (no longer
    planned)."""
    stored = {job.id: job for job in scheduler.get_jobs()}
    done: dict[str, str] = {}
    for job_id, function, trigger in plan:
        job = stored.pop(job_id, None)
        settings = {"name": job_id, "misfire_grace_time": misfire_grace(trigger), **JOB_DEFAULTS}
        if job is None:
            scheduler.add_job(function, trigger, id=job_id, **settings)
            done[job_id] = "added"
        elif _what_runs_when(job.func_ref, job.args, job.kwargs, job.trigger) != _what_runs_when(
            obj_to_ref(function), (), {}, trigger
        ):
            scheduler.add_job(function, trigger, id=job_id, replace_existing=True, **settings)
            done[job_id] = "replaced"
        elif any(getattr(job, key) != value for key, value in settings.items()):
            scheduler.modify_job(job_id, **settings)
            done[job_id] = "updated"
        else:
            done[job_id] = "kept"
    for job_id in stored:
        scheduler.remove_job(job_id)
        done[job_id] = "removed"
    changed = {job_id: what for job_id, what in done.items() if what != "kept"}
    if changed:
        log.info("scheduler jobs reconciled: %s", changed)
    return done


def start(scheduler: BackgroundScheduler, plan: Plan) -> dict[str, str]:
    """Start with the stored jobs reconciled with the plan; missed runs then run at once."""
    scheduler.start(paused=True)
    done = reconcile(scheduler, plan)
    scheduler.resume()
    return done


def run(wb: Workbench, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    jobs.install(wb)
    lock = LeaderLock(wb.engine)
    metrics, server = _metrics(wb)
    try:
        _run_while_leader(wb, lock, stop, metrics)
    finally:
        if server is not None:
            server.stop()
    print("scheduler: stopped", flush=True)


def _run_while_leader(
    wb: Workbench, lock: LeaderLock, stop: threading.Event, metrics: SchedulerMetrics | None
) -> None:
    settings = wb.settings
    while _wait_for_lock(lock, stop, settings.scheduler_standby_poll_seconds):
        scheduler = build_scheduler(wb)
        if metrics is not None:
            scheduler.add_listener(
                metrics.job_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
            )
        lost = False
        try:
            start(scheduler, job_plan(wb))
            if metrics is not None:
                metrics.leader.set(1)
            print("scheduler: active", flush=True)
            while not stop.wait(settings.scheduler_lock_check_seconds):
                if not lock.still_held():
                    lost = True
                    break
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=True)
            lock.release()  # also when starting failed: a standby may do better
            if metrics is not None:
                metrics.leader.set(0)
        if not lost:
            break
        log.error("the scheduler lost its leader lock: its jobs stopped; standing by")
        print("scheduler: lost the leader lock", flush=True)
        # A standby already waiting gets the first chance to take over.
        stop.wait(2 * settings.scheduler_standby_poll_seconds)


def _metrics(wb: Workbench) -> tuple[SchedulerMetrics | None, MetricsServer | None]:
    """The scheduler's /metrics, /health and /ready where [scheduler] metrics_port is set: a
    standby serves them too (its leader gauge is 0)."""
    port = wb.settings.scheduler_metrics_port
    if not port:
        return None, None
    registry = operations_registry(wb.usecases.operations)
    metrics = SchedulerMetrics(registry, wb.clock)
    host = wb.settings.scheduler_metrics_host
    server = MetricsServer(registry, wb.usecases.operations, host=host, port=port)
    server.start()
    print(f"scheduler: metrics on http://{host}:{port}/metrics", flush=True)
    return metrics, server


def _wait_for_lock(lock: LeaderLock, stop: threading.Event, poll: float) -> bool:
    """True once this process holds the lock; False when told to stop first."""
    announced = False
    while not stop.is_set():
        try:
            if lock.try_acquire():
                return True
        except SQLAlchemyError as error:  # the database is away: keep waiting for it
            log.warning("cannot reach the database for the leader lock: %s", type(error).__name__)
        if not announced:
            log.warning("another scheduler is active on this database: standing by")
            print("scheduler: standby", flush=True)
            announced = True
        stop.wait(poll)
    return False
