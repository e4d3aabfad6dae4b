"""Queries of complaints alone, for reports and lists: the open work (of a handler, a store, or
everyone), counts by state, how urgent a due time is, and who may read a complaint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.complaints.models import Complaint
from workbench.complaints.states import OPEN_STATES
from workbench.errors import NotFound
from workbench.members.models import Member, Role, Staff
from workbench.permissions.access import serves_all_stores

# The complaint desk: hotline agents, their supervisors, the departments that investigate, and
# administrators. Of a branch, only their own store's complaints.
DESK_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.ADMIN})


@dataclass(frozen=True)
class OpenComplaint:
    complaint_no: str
    state: str
    category: str
    priority: str
    resolution_due: datetime | None
    escalation_level: int


def open_complaints(
    session: Session,
    *,
    handler_id: int | None = None,
    min_escalation: int = 0,
    store_id: int | None = None,
    limit: int = 200,
) -> list[OpenComplaint]:
    """Open complaints, most urgent first (paused ones last)."""
    query = select(Complaint).where(col(Complaint.state).in_([s.value for s in OPEN_STATES]))
    if handler_id is not None:
        query = query.where(col(Complaint.handler_id) == handler_id)
    if store_id is not None:
        query = query.where(col(Complaint.store_id) == store_id)
    if min_escalation:
        query = query.where(col(Complaint.escalation_level) >= min_escalation)
    query = query.order_by(
        col(Complaint.resolution_due).is_(None), col(Complaint.resolution_due)
    ).limit(limit)
    return [
        OpenComplaint(
            c.complaint_no, c.state, c.category, c.priority, c.resolution_due, c.escalation_level
        )
        for c in session.scalars(query)
    ]


def counts_by_state(session: Session, *, store_id: int | None = None) -> dict[str, int]:
    query = select(col(Complaint.state), func.count()).group_by(col(Complaint.state))
    if store_id is not None:
        query = query.where(col(Complaint.store_id) == store_id)
    return dict(session.execute(query).all())


def urgency(due: datetime | None, now: datetime, target_hours: float) -> str:
    """ok, soon (under a quarter of the target left), overdue, or paused."""
    if due is None:
        return "paused"
    left = (due - now).total_seconds() / 3600
    if left < 0:
        return "overdue"
    return "soon" if left < target_hours / 4 else "ok"


def readable_by(session: Session, actor: Staff, complaint: Complaint) -> bool:
    """Whether `actor` may read the complaint (its state, timeline and calls): its receiver and
    handler; the complaint desk (head office: every store's, a branch's: its own); a store
    manager their store's; sales staff their own customers'; analysts none (aggregates only)."""
    if not actor.active or actor.role == Role.ANALYST:
        return False
    if actor.id in (complaint.handler_id, complaint.received_by_id):
        return True
    member = session.get(Member, complaint.member_id) if complaint.member_id is not None else None
    if actor.role == Role.SALES:
        return member is not None and member.sales_staff_id == actor.id
    stores = {complaint.store_id, member.store_id if member is not None else None} - {None}
    if actor.role == Role.STORE_MANAGER:
        return actor.store_id in stores
    if actor.role in DESK_ROLES:
        return serves_all_stores(session, actor) or actor.store_id in stores
    return False


class UnknownComplaint(NotFound):
    """No complaint with the number, or none the actor may read: one message for both."""

    def __init__(self, complaint_no: str) -> None:
        super().__init__(f"no complaint {complaint_no!r}")
