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
from workbench.members.models import Role, Staff, Store
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


@dataclass(frozen=True)
class _Recipients:
    """Who hears of each rung, read once per batch so the loop itself runs no queries."""

    supervisors: list[int]
    heads_by_department: dict[str, list[int]]

    @classmethod
    def load(cls, session: Session) -> _Recipients:
        rows = session.execute(
            select(Staff.id, Staff.role, Staff.team).where(
                Staff.role.in_([Role.SUPERVISOR, Role.DEPARTMENT_HEAD]), Staff.active.is_(True)
            )
        ).all()
        heads: dict[str, list[int]] = {}
        for staff_id, role, team in rows:
            if role == Role.DEPARTMENT_HEAD and team:
                heads.setdefault(team, []).append(staff_id)
        supervisors = [staff_id for staff_id, role, _ in rows if role == Role.SUPERVISOR]
        return cls(supervisors, heads)

    def of(self, complaint: Complaint, level: int) -> list[int]:
        """The handler is warned; supervisors hear of a breach; the department's head after
        that. Whoever is missing is replaced by the supervisors."""
        if level == 1 and complaint.handler_id is not None:
            return [complaint.handler_id]
        if level == 3 and self.heads_by_department.get(complaint.department or ""):
            return self.heads_by_department[complaint.department]
        return self.supervisors


def _sweep_batch(session: Session, service: ComplaintService, batch_size: int) -> tuple[int, int]:
    now = service.clock.now()
    is_postgres = session.get_bind().dialect.name == "postgresql"
    rows = session.scalars(due_query(now, batch_size, is_postgres)).all()
    if not rows:
        return 0, 0
    recipients = _Recipients.load(session)
    zones = dict(session.execute(select(Store.id, Store.timezone)).all())
    ladder = service.policy.ladder
    steps = 0
    with session.no_autoflush:
        for complaint in rows:
            calendar = service.policy.calendar_for(zones.get(complaint.store_id))
            clock = service.resolution_clock(session, complaint)
            for level in reached_levels(clock, calendar, ladder, complaint.escalation_level, now):
                _escalate(session, complaint, level, recipients.of(complaint, level), now)
                steps += 1
            upcoming = next_escalation(clock, calendar, ladder, complaint.escalation_level)
            complaint.next_escalation_at = upcoming[1] if upcoming else None
    return len(rows), steps


MESSAGES = {
    1: "{no}: 75% of the resolution time used (due {due})",
    2: "{no}: resolution time exceeded (was due {due})",
    3: "{no}: far past the resolution time (was due {due})",
}


def _escalate(session: Session, complaint: Complaint, level: int, recipients: list[int], now):
    complaint.escalation_level = level
    if level >= 2:
        complaint.sla_breached = True
    session.add(
        ComplaintEvent(
            complaint_id=complaint.id, action="escalated", from_state=complaint.state,
            to_state=complaint.state, round=complaint.round, at=now,
            data=json.dumps({"level": level, "rung": RUNGS[level], "notified": recipients}),
        )
    )  # fmt: skip
    due = complaint.resolution_due.isoformat() if complaint.resolution_due else "-"
    message = MESSAGES[level].format(no=complaint.complaint_no, due=due)
    session.add_all(
        Notification(staff_id=staff_id, kind=RUNGS[level], complaint_id=complaint.id,
                     message=message, created_at=now)
        for staff_id in recipients
    )  # fmt: skip
