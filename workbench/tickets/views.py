"""Read models of complaints for the screens: a complaint with its timeline and linked records,
the open work of a handler, and the supervisor's overview. Text is decrypted only for those who may read it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from workbench.members.models import Member, Staff
from workbench.tickets.models import Complaint
from workbench.tickets.service import ComplaintService
from workbench.tickets.states import OPEN_STATES
from workbench.tickets.story import LinkedRecord


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    to_state: str
    round: int
    staff: str
    note: str | None
    data: dict


@dataclass(frozen=True)
class ComplaintCard:
    complaint_no: str
    member_no: str | None
    state: str
    round: int
    category: str
    priority: str
    channel: str
    department: str | None
    handler: str | None
    received_at: datetime
    resolution_due: datetime | None
    first_response_due: datetime | None
    first_response_at: datetime | None
    next_reply_due: datetime | None
    paused: bool
    escalation_level: int
    allowed: tuple[str, ...]
    description: str | None  # None: not readable by this staff member
    timeline: tuple[TimelineEntry, ...]
    links: tuple[LinkedRecord, ...]  # its calls, messages and callback tasks


def complaint_card(service: ComplaintService, session: Session, complaint_no: str,
                   actor: Staff) -> ComplaintCard:  # fmt: skip
    complaint = service.get(session, complaint_no)
    readable = service.can_read_text(actor, complaint)
    names = dict(session.execute(select(Staff.id, Staff.username)).all())
    member_no = None
    if complaint.member_id is not None:
        member_no = session.scalar(select(Member.member_no).where(Member.id == complaint.member_id))
    timeline = tuple(
        TimelineEntry(
            at=e.at, action=e.action, to_state=e.to_state, round=e.round,
            staff=names.get(e.staff_id, "-") if e.staff_id else "system",
            note=(service.read_text(actor, complaint, e.note_enc) if readable else "…")
            if e.note_enc else None,
            data=json.loads(e.data) if e.data else {},
        )
        for e in service.history(session, complaint)
    )  # fmt: skip
    return ComplaintCard(
        complaint_no=complaint.complaint_no, member_no=member_no, state=complaint.state,
        round=complaint.round, category=complaint.category, priority=complaint.priority,
        channel=complaint.channel, department=complaint.department,
        handler=names.get(complaint.handler_id) if complaint.handler_id else None,
        received_at=complaint.received_at, resolution_due=complaint.resolution_due,
        first_response_due=complaint.first_response_due,
        first_response_at=complaint.first_response_at, next_reply_due=complaint.next_reply_due,
        paused=complaint.paused_since is not None,
        escalation_level=complaint.escalation_level,
        allowed=tuple(a.value for a in service.allowed(complaint)),
        description=service.read_text(actor, complaint, complaint.description_enc)
        if readable else None,
        timeline=timeline, links=tuple(service.links(session, complaint)),
    )  # fmt: skip


@dataclass(frozen=True)
class OpenComplaint:
    complaint_no: str
    state: str
    category: str
    priority: str
    resolution_due: datetime | None
    escalation_level: int


def open_complaints(session: Session, *, handler_id: int | None = None,
                    min_escalation: int = 0, store_id: int | None = None,
                    limit: int = 200) -> list[OpenComplaint]:  # fmt: skip
    """Open complaints, most urgent first (paused ones last)."""
    query = select(Complaint).where(Complaint.state.in_([s.value for s in OPEN_STATES]))
    if handler_id is not None:
        query = query.where(Complaint.handler_id == handler_id)
    if store_id is not None:
        query = query.where(Complaint.store_id == store_id)
    if min_escalation:
        query = query.where(Complaint.escalation_level >= min_escalation)
    query = query.order_by(Complaint.resolution_due.is_(None), Complaint.resolution_due).limit(
        limit
    )
    return [
        OpenComplaint(c.complaint_no, c.state, c.category, c.priority, c.resolution_due,
                      c.escalation_level)
        for c in session.scalars(query)
    ]  # fmt: skip


def counts_by_state(session: Session, *, store_id: int | None = None) -> dict[str, int]:
    query = select(Complaint.state, func.count()).group_by(Complaint.state)
    if store_id is not None:
        query = query.where(Complaint.store_id == store_id)
    return dict(session.execute(query).all())


def urgency(due: datetime | None, now: datetime, target_hours: float) -> str:
    """ok, soon (under a quarter of the target left), overdue, or paused."""
    if due is None:
        return "paused"
    left = (due - now).total_seconds() / 3600
    if left < 0:
        return "overdue"
    return "soon" if left < target_hours / 4 else "ok"
