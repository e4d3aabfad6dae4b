"""A complaint as the screens and commands show it: its state, SLA due times, timeline (the
text only for those who may read it) and its story of calls, messages and callback tasks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.complaints.service import ComplaintService
from workbench.complaints.story import LinkedRecord
from workbench.members.models import Member, Staff
from workbench.views.complaint_story import story


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    action: str
    to_state: str
    round: int
    staff: str
    note: str | None
    data: dict[str, object]  # the step's JSON: codes and ids
    staff_id: int | None = None  # None: the system (a sweep, an SMS reply)


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
    closed_at: datetime | None = None


def complaint_card(
    service: ComplaintService, session: Session, complaint_no: str, actor: Staff
) -> ComplaintCard:
    complaint = service.get(session, complaint_no)
    readable = service.can_read_text(actor, complaint)
    names = {  # staff as lists show them: display name (username)
        id_: f"{name} ({username})"
        for id_, name, username in session.execute(
            select(col(Staff.id), col(Staff.display_name), col(Staff.username))
        )
    }
    member_no = None
    if complaint.member_id is not None:
        member_no = session.scalar(
            select(col(Member.member_no)).where(col(Member.id) == complaint.member_id)
        )
    timeline = tuple(
        TimelineEntry(
            at=e.at,
            action=e.action,
            to_state=e.to_state,
            round=e.round,
            staff=names.get(e.staff_id, "-") if e.staff_id else "system",
            note=(service.read_text(actor, complaint, e.note_enc) if readable else "…")
            if e.note_enc
            else None,
            data=json.loads(e.data) if e.data else {},
            staff_id=e.staff_id,
        )
        for e in service.history(session, complaint)
    )
    return ComplaintCard(
        complaint_no=complaint.complaint_no,
        member_no=member_no,
        state=complaint.state,
        round=complaint.round,
        category=complaint.category,
        priority=complaint.priority,
        channel=complaint.channel,
        department=complaint.department,
        handler=names.get(complaint.handler_id) if complaint.handler_id else None,
        received_at=complaint.received_at,
        resolution_due=complaint.resolution_due,
        first_response_due=complaint.first_response_due,
        first_response_at=complaint.first_response_at,
        next_reply_due=complaint.next_reply_due,
        paused=complaint.paused_since is not None,
        escalation_level=complaint.escalation_level,
        allowed=tuple(a.value for a in service.allowed(complaint)),
        description=service.read_text(actor, complaint, complaint.description_enc)
        if readable
        else None,
        timeline=timeline,
        links=tuple(story(session, complaint)),
        closed_at=complaint.closed_at,
    )
