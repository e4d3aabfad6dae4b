"""The escalation sweep: one indexed query for open complaints whose next rung is due, on any
of their SLA clocks (first response, next reply, resolution; see complaints/sla.py).

Idempotent: escalating records the rung reached on that clock and moves `next_escalation_at`
to the earliest next rung of any clock in the same transaction, so a second run finds nothing
to do. Safe with two sweepers: PostgreSQL skips rows another sweeper
holds (FOR UPDATE SKIP LOCKED); on SQLite the write lock is taken before the query.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import Select, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.complaints.models import Complaint, ComplaintEvent, Notification
from workbench.complaints.service import ComplaintService
from workbench.complaints.sla import ClockName, next_rung_at, reached_levels
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.members.models import Role, Staff, Store

RUNGS = {1: "warn_handler", 2: "to_supervisor", 3: "to_department_head"}


@dataclass(frozen=True)
class SweepResult:
    complaints: int
    escalations: int


def sweep(
    sessions: sessionmaker[Session], service: ComplaintService, *, batch_size: int = 500
) -> SweepResult:
    complaints = escalations = 0
    while True:
        with immediate_session(sessions) as session:
            done, steps = _sweep_batch(session, service, batch_size)
            session.commit()
        complaints += done
        escalations += steps
        if done < batch_size:
            return SweepResult(complaints, escalations)


def sweep_batch(session: Session, service: ComplaintService, batch_size: int) -> tuple[int, int]:
    """One batch in the caller's transaction (a use case's unit of work), which must hold the
    write lock on SQLite: (complaints escalated, escalations)."""
    return _sweep_batch(session, service, batch_size)


def due_query(now: datetime, batch_size: int, for_update: bool) -> Select[Complaint]:
    query = (
        select(Complaint)
        .where(col(Complaint.next_escalation_at) <= now)
        .order_by(col(Complaint.next_escalation_at), col(Complaint.id))
        .limit(batch_size)
    )
    return query.with_for_update(skip_locked=True) if for_update else query


@dataclass(frozen=True)
class _Recipients:
    """Who hears of each rung, read once per batch so the loop itself runs no queries."""

    supervisors: list[int]
    heads_by_department: dict[str, list[int]]
    staff: dict[int, Staff]  # everyone above and the batch's handlers (for their e-mail)

    @classmethod
    def load(cls, session: Session, complaints: Sequence[Complaint]) -> _Recipients:
        handlers = {c.handler_id for c in complaints if c.handler_id is not None}
        managers = col(Staff.role).in_([Role.SUPERVISOR, Role.DEPARTMENT_HEAD])
        people = session.scalars(select(Staff).where(managers | col(Staff.id).in_(handlers))).all()
        heads: dict[str, list[int]] = {}
        supervisors: list[int] = []
        for person in people:
            if not person.active:
                continue
            if person.role == Role.DEPARTMENT_HEAD and person.team:
                heads.setdefault(person.team, []).append(saved_id(person))
            elif person.role == Role.SUPERVISOR:
                supervisors.append(saved_id(person))
        return cls(sorted(supervisors), heads, {saved_id(person): person for person in people})

    def of(self, complaint: Complaint, level: int) -> list[int]:
        """The handler is warned; supervisors hear of a breach; the department's head after
        that. Whoever is missing is replaced by the supervisors."""
        if level == 1 and complaint.handler_id is not None:
            return [complaint.handler_id]
        if level == 3 and self.heads_by_department.get(complaint.department or ""):
            return self.heads_by_department[complaint.department or ""]
        return self.supervisors


def _sweep_batch(session: Session, service: ComplaintService, batch_size: int) -> tuple[int, int]:
    now = service.clock.now()
    is_postgres = session.get_bind().dialect.name == "postgresql"
    rows = session.scalars(due_query(now, batch_size, is_postgres)).all()
    if not rows:
        return 0, 0
    recipients = _Recipients.load(session, rows)
    stores = {
        row.id: (row.timezone, row.code)
        for row in session.execute(select(col(Store.id), col(Store.timezone), col(Store.code)))
    }
    ladder = service.policy.ladder
    steps = 0
    with session.no_autoflush:
        for complaint in rows:
            calendar = service.policy.calendar_for(*stores.get(complaint.store_id, (None, None)))
            for running in service.running_clocks(complaint):
                due = _local(running.clock.due(calendar), calendar.zone)
                for level in reached_levels(running.clock, calendar, ladder, running.level, now):
                    notified = recipients.of(complaint, level)
                    escalation = Escalation(
                        complaint,
                        running.name,
                        level,
                        running.clock.start,
                        f"{ladder.warn_handler:.0%}",
                        due,
                    )
                    _escalate(session, escalation, notified, now)
                    _email(session, service, escalation, [recipients.staff[i] for i in notified])
                    steps += 1
            complaint.next_escalation_at = next_rung_at(
                service.running_clocks(complaint), calendar, ladder
            )
    return len(rows), steps


@dataclass(frozen=True)
class Escalation:
    """One rung reached on one clock of a complaint."""

    complaint: Complaint
    clock: ClockName
    level: int
    clock_start: datetime  # tells this run of the clock from earlier ones (the next reply's)
    share: str  # the warning rung's share of the target, e.g. "75%"
    due: str  # the clock's due time in the store's zone

    @property
    def rung(self) -> str:
        return RUNGS[self.level]


def _local(at: datetime | None, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "-"


CLOCKS = {
    ClockName.FIRST_RESPONSE: "first-response",
    ClockName.NEXT_REPLY: "next-reply",
    ClockName.RESOLUTION: "resolution",
}
MESSAGES = {
    1: "{no}: {share} of the {clock} time used (due {due})",
    2: "{no}: {clock} time exceeded (was due {due})",
    3: "{no}: far past the {clock} time (was due {due})",
}


def _escalate(
    session: Session, escalation: Escalation, recipients: list[int], now: datetime
) -> None:
    complaint, clock, level = escalation.complaint, escalation.clock, escalation.level
    setattr(complaint, f"{clock.value}_level", level)
    complaint.escalation_level = max(complaint.escalation_level, level)
    if clock == ClockName.RESOLUTION and level >= 2:
        complaint.sla_breached = True
    session.add(
        ComplaintEvent(
            complaint_id=saved_id(complaint),
            action="escalated",
            from_state=complaint.state,
            to_state=complaint.state,
            round=complaint.round,
            at=now,
            data=json.dumps(
                {
                    "clock": clock.value,
                    "level": level,
                    "rung": escalation.rung,
                    "notified": recipients,
                }
            ),
        )
    )
    message = MESSAGES[level].format(
        no=complaint.complaint_no, clock=CLOCKS[clock], share=escalation.share, due=escalation.due
    )
    session.add_all(
        Notification(
            staff_id=staff_id,
            kind=escalation.rung,
            complaint_id=complaint.id,
            message=message,
            created_at=now,
        )
        for staff_id in recipients
    )


def _email(
    session: Session, service: ComplaintService, escalation: Escalation, recipients: list[Staff]
) -> None:
    """An e-mail to each recipient with an address, queued in the sweep's transaction. The
    key names the complaint, the clock's run, the rung and the person, so however often the
    sweep runs (or a crash makes it run again) nobody gets the same escalation twice."""
    complaint = escalation.complaint
    extra = {
        "complaint_no": complaint.complaint_no,
        "category": complaint.category,
        "priority": complaint.priority,
        "clock": escalation.clock.value,
        "rung": escalation.rung,
        "share": escalation.share,
        "due": escalation.due,
    }
    for staff in recipients:
        key = (
            f"escalation:{complaint.id}:{escalation.clock.value}:"
            f"{int(escalation.clock_start.timestamp())}:{escalation.level}:{staff.id}"
        )
        service.notify_staff(
            session,
            staff,
            "complaint_escalation",
            extra=extra,
            dedupe_key=key,
            complaint_id=complaint.id,
        )
