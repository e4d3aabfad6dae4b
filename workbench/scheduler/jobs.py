"""The periodic jobs. APScheduler's job store keeps jobs by reference to these module-level
functions, so they take no arguments and find the workbench the scheduler process built; each
calls a use case (`wb.usecases`), which owns its transactions. Every job is idempotent: run again
after a crash, it creates nothing twice."""

from __future__ import annotations

import logging

from workbench.bootstrap import Workbench

log = logging.getLogger(__name__)
_workbench: Workbench | None = None


def install(wb: Workbench) -> None:
    global _workbench
    _workbench = wb


def _wb() -> Workbench:
    if _workbench is None:
        raise RuntimeError("the scheduler has not installed a workbench for its jobs")
    return _workbench


def escalation_sweep() -> None:
    result = _wb().usecases.complaints.sweep()
    if result.escalations:
        log.info("escalated %d times on %d complaints", result.escalations, result.complaints)


def return_lapsed_leases() -> None:
    returned = _wb().usecases.callbacks.return_lapsed_leases()
    if returned:
        log.info("%d lapsed callback claims returned to the queue", returned)


def expire_callback_tasks() -> None:
    expired = _wb().usecases.callbacks.expire_past_windows()
    if expired:
        log.info("%d callback tasks closed: their calling window ended", expired)


def materialise_campaigns() -> None:
    made = _wb().usecases.callbacks.materialise_all()
    if made:
        log.info("%d campaign callback tasks made", made)


def expire_points() -> None:
    expired = _wb().usecases.tiers.expire_points()
    log.info("%d points expired", expired)


def tier_review() -> None:
    result = _wb().usecases.tiers.review(None)
    log.info("tier review: %d members changed tier", len(result.changes))


def send_outbox() -> None:
    result = _wb().usecases.messages.send_due()
    if result.sent or result.retried or result.failed:
        log.info(
            "outbox: %d sent, %d to retry, %d failed, %d found already sent",
            result.sent,
            result.retried,
            result.failed,
            result.found,
        )


def refresh_report_rollups() -> None:
    done = _wb().usecases.statistics.refresh_rollups(None)
    log.info("report rollups refreshed: %d statistics periods", len(done.periods))


def points_expiry_reminders() -> None:
    log.info("points-expiry reminders: %s", _wb().usecases.messages.mailing("points_expiry"))


def birthday_greetings() -> None:
    log.info("birthday greetings: %s", _wb().usecases.messages.mailing("birthday"))


def monthly_care() -> None:
    log.info("monthly care mailing: %s", _wb().usecases.messages.mailing("monthly_care"))


def goods_reminders() -> None:
    result = _wb().usecases.goods.send_reminders()
    log.info(
        "stored goods reminders: %d before the date, %d overdue, %d not sendable",
        result.due,
        result.overdue,
        result.skipped,
    )


def activity_reminders() -> None:
    sent = _wb().usecases.activities.send_reminders()
    log.info("activity reminders: %d queued for today's and tomorrow's activities", sent)


def due_terminations() -> None:
    run = _wb().usecases.termination.run_due(None)
    if run.terminated or run.failed:
        log.info(
            "terminations: %d carried out, %d skipped, %d failed",
            len(run.terminated),
            run.skipped,
            run.failed,
        )


def odoo_sync() -> None:
    """Pull from Odoo, then push back. Does nothing where Odoo is not configured; a run that
    fails is logged and the next interval tries again from the stored cursors."""
    from workbench.crm.errors import OdooError, OdooSyncBusy

    try:
        for report in _wb().usecases.odoo.scheduled_sync():
            log.info(
                "odoo %s run %s: %s, %s",
                report.direction,
                report.run_id,
                report.outcome,
                dict(report.counts),
            )
    except OdooSyncBusy:
        log.info("odoo sync skipped: another sync is running")
    except OdooError as exc:
        log.warning("odoo sync failed: %s", exc)


def backup() -> None:
    info = _wb().usecases.admin.create_backup()
    log.info("backup written: %s", info.path.name)


def audit_sequence() -> None:
    chained = _wb().usecases.protection.sequence_audit()
    if chained:
        log.info("%d pending audit entries chained", chained)


def audit_anchor() -> None:
    anchor = _wb().usecases.protection.anchor_audit()
    if anchor is not None:
        log.info("audit chain anchored at seq %d", anchor.seq)
