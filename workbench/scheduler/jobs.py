"""The periodic jobs. APScheduler's job store keeps jobs by reference to these module-level
functions, so they take no arguments and find the workbench the scheduler process built.
Every job is idempotent: run again after a crash, it creates nothing twice."""

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
    from workbench.tickets.escalation import sweep

    result = sweep(_wb().sessions, _wb().complaints)
    if result.escalations:
        log.info("escalated %d times on %d complaints", result.escalations, result.complaints)


def return_lapsed_leases() -> None:
    returned = _wb().callbacks.return_lapsed_leases()
    if returned:
        log.info("%d lapsed callback claims returned to the queue", returned)


def materialise_campaigns() -> None:
    made = _wb().campaigns.materialise_all()
    if made:
        log.info("%d campaign callback tasks made", made)


def expire_points() -> None:
    wb = _wb()
    with wb.sessions() as session:
        expired = wb.ledger.expire_due(session)
        session.commit()
    log.info("%d points expired", expired)


def tier_review() -> None:
    wb = _wb()
    with wb.sessions() as session:
        changes = wb.tier_review.proposed_changes(session)
        wb.tier_review.apply(session, changes)
        session.commit()
    log.info("tier review: %d members changed tier", len(changes))


def backup() -> None:
    from workbench.backup.service import create_backup

    wb = _wb()
    now = wb.clock.now()
    target = wb.settings.effective_backup_directory / f"workbench-{now:%Y%m%dT%H%M%SZ}.wbk"
    info = create_backup(url=wb.settings.effective_database_url, keyring=wb.keyring,
                         target=target, now=now)  # fmt: skip
    log.info("backup written: %s", info.path.name)
