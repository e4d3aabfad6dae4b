"""Queries of complaints alone, for reports and lists: the open work (of a handler, a store, or
everyone), counts by state, and how urgent a due time is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.complaints.models import Complaint
from workbench.complaints.states import OPEN_STATES


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
