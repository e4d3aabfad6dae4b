"""The escalation sweep: one indexed query for open complaints whose next rung is due.

Idempotent: escalating moves `next_escalation_at` to the next rung in the same transaction, so
a second run finds nothing to do. Safe with two sweepers: PostgreSQL skips rows another sweeper
holds (FOR UPDATE SKIP LOCKED); on SQLite the write lock is taken before the query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from workbench.db.engine import immediate_session
from workbench.members.models import Role, Staff
from workbench.tickets.models import Complaint, ComplaintEvent, Notification
from workbench.tickets.service import ComplaintService
from workbench.tickets.sla import next_escalation, reached_levels

RUNGS = {1: "warn_handler", 2: "to_supervisor", 3: "to_department_head"}


@dataclass(frozen=True)
class SweepResult:
    complaints: int
    escalations: int


def sweep(sessions, service: ComplaintService, *, batch_size: int = 500) -> SweepResult:
    complaints = escalations = 0
    while True:
        with immediate_session(sessions) as session:
            done, steps = _sweep_batch(session, service, batch_size)
            session.commit()
        complaints += done
        escalations += steps
        if done < batch_size:
            return SweepResult(complaints, escalations)


def due_query(now, batch_size: int, for_update: bool):
    query = (
        select(Complaint)
        .where(Complaint.next_escalation_at <= now)
        .order_by(Complaint.next_escalation_at, Complaint.id)
        .limit(batch_size)
    )
    return query.with_for_update(skip_locked=True) if for_update else query


def _sweep_batch(session: Session, service: ComplaintService, batch_size: int) -> tuple[int, int]:
    now = service.clock.now()
    is_postgres = session.get_bind().dialect.name == "postgresql"
    rows = session.scalars(due_query(now, batch_size, is_postgres)).all()
    steps = 0
    for complaint in rows:
        calendar = service._calendar(session, complaint)
        clock = service.resolution_clock(session, complaint)
        ladder = service.policy.ladder
        for level in reached_levels(clock, calendar, ladder, complaint.escalation_level, now):
            _escalate(session, service, complaint, level)
            steps += 1
        upcoming = next_escalation(clock, calendar, ladder, complaint.escalation_level)
        complaint.next_escalation_at = upcoming[1] if upcoming else None
    return len(rows), steps


def _escalate(session: Session, service: ComplaintService, complaint: Complaint, level: int):
    complaint.escalation_level = level
    if level >= 2:
        complaint.sla_breached = True
    recipients = _recipients(session, complaint, level)
    now = service.clock.now()
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id, action="escalated", from_state=complaint.state,
            to_state=complaint.state, round=complaint.round, at=now,
            data=json.dumps({"level": level, "rung": RUNGS[level], "notified": recipients}),
        )
    )  # fmt: skip
    due = complaint.resolution_due.isoformat() if complaint.resolution_due else "-"
    message = {
        1: f"{complaint.complaint_no}: 75% of the resolution time used (due {due})",
        2: f"{complaint.complaint_no}: resolution time exceeded (was due {due})",
        3: f"{complaint.complaint_no}: far past the resolution time (was due {due})",
    }[level]
    for staff_id in recipients:
        session.add(Notification(staff_id=staff_id, kind=RUNGS[level],
                                 complaint_id=complaint.id, message=message, created_at=now))  # fmt: skip


def _recipients(session: Session, complaint: Complaint, level: int) -> list[int]:
    """The handler is warned; supervisors hear of a breach; the department's head after that.
    Whoever is missing is replaced by the supervisors."""
    if level == 1 and complaint.handler_id is not None:
        return [complaint.handler_id]
    if level == 3:
        heads = session.scalars(
            select(Staff.id).where(
                Staff.role == Role.DEPARTMENT_HEAD, Staff.team == complaint.department,
                Staff.active.is_(True),
            )
        ).all()  # fmt: skip
        if heads:
            return list(heads)
    query = select(Staff.id).where(Staff.role == Role.SUPERVISOR, Staff.active.is_(True))
    return list(session.scalars(query))
