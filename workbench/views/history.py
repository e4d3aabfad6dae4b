"""A member's history as the profile shows it: recent purchases, complaints and callback tasks
(the communication log is part of MemberProfile). It takes the MemberView the access layer
returned, so it is only ever read for a member the reader may see; it holds no personal
fields, only what happened and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.members.models import Purchase, Store
from workbench.permissions.access import MemberView


@dataclass(frozen=True)
class PurchaseLine:
    occurred_at: datetime
    amount: Decimal
    points: int
    store_code: str


@dataclass(frozen=True)
class ComplaintLine:
    complaint_no: str
    state: str
    category: str
    priority: str
    received_at: datetime
    satisfaction: int | None


@dataclass(frozen=True)
class CallbackLine:
    task_id: int
    reason: str
    status: str
    outcome: str | None
    attempts: int
    latest_at: datetime


@dataclass(frozen=True)
class MemberHistory:
    purchases: tuple[PurchaseLine, ...]
    complaints: tuple[ComplaintLine, ...]
    callbacks: tuple[CallbackLine, ...]


def member_history(session: Session, view: MemberView, *, limit: int = 20) -> MemberHistory:
    """Read in the caller's transaction."""
    # Complaints and callbacks build on members; imported here, not at the top, to keep the
    # packages' import order one-way.
    from workbench.callbacks.models import CallbackTask
    from workbench.complaints.models import Complaint

    member_id = view.member_id
    purchases = session.execute(
        select(
            col(Purchase.occurred_at),
            col(Purchase.amount),
            col(Purchase.points_earned),
            col(Store.code),
        )
        .join(Store, col(Store.id) == col(Purchase.store_id))
        .where(col(Purchase.member_id) == member_id)
        .order_by(col(Purchase.occurred_at).desc())
        .limit(limit)
    ).all()
    complaints = session.execute(
        select(
            col(Complaint.complaint_no),
            col(Complaint.state),
            col(Complaint.category),
            col(Complaint.priority),
            col(Complaint.received_at),
            col(Complaint.satisfaction),
        )
        .where(col(Complaint.member_id) == member_id)
        .order_by(col(Complaint.received_at).desc())
        .limit(limit)
    ).all()
    callbacks = session.execute(
        select(
            col(CallbackTask.id),
            col(CallbackTask.reason),
            col(CallbackTask.status),
            col(CallbackTask.outcome),
            col(CallbackTask.attempts),
            col(CallbackTask.latest_at),
        )
        .where(col(CallbackTask.member_id) == member_id)
        .order_by(col(CallbackTask.created_at).desc())
        .limit(limit)
    ).all()
    return MemberHistory(
        purchases=tuple(PurchaseLine(*row) for row in purchases),
        complaints=tuple(ComplaintLine(*row) for row in complaints),
        callbacks=tuple(CallbackLine(*row) for row in callbacks),
    )
