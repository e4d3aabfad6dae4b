"""Twilio's message status callbacks (queued → sent → delivered / undelivered / failed), kept
so none is lost: each is stored once under its idempotency token (Twilio may post the same event
twice), applied to the outbox row holding its SID, or — when it comes before the sender has
recorded that SID — kept waiting and applied when the SID is recorded."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from workbench.db.ids import saved_id
from workbench.messaging.models import MessageStatus, OutboxAttempt, OutboxMessage, StatusEvent

FINAL = {"delivered", "undelivered", "failed"}
# Where a callback may move a row from: a final report is not undone by a late one.
OPEN = (MessageStatus.SENDING.value, MessageStatus.SENT.value)


def apply_status_callback(
    session: Session,
    *,
    provider_id: str,
    status: str,
    at: datetime,
    token: str | None = None,
) -> bool:
    """Records the callback; True when it was applied to a row now, False when it was a
    repeat or waits for its SID."""
    lock_sid(session, provider_id)
    key = token or f"{provider_id}:{status}"
    if len(key) > 120:  # the column's size: a long token is kept as its digest
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    event = StatusEvent(
        token=key,
        provider_id=provider_id,
        status=status[:16],
        at=at,
    )
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:
        return False  # the same event again: applied (or kept) the first time
    message = session.scalar(
        select(OutboxMessage).where(col(OutboxMessage.provider_id) == provider_id)
    )
    if message is None:
        return False  # early: kept, applied when the sender records the SID
    _apply(session, message, event)
    return True


def lock_sid(session: Session, provider_id: str) -> None:
    """On PostgreSQL, a callback and the sender recording the same SID take turns (a lock for
    the transaction): otherwise each could miss the other's uncommitted row and the callback
    would wait for ever. SQLite's write lock already makes them take turns."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:sid))"), {"sid": provider_id})


def apply_waiting_callbacks(session: Session, provider_id: str) -> int:
    """Callbacks that came before this SID was recorded, applied in the order they came (the
    caller holds `lock_sid` from before it recorded the SID)."""
    waiting = session.scalars(
        select(StatusEvent)
        .where(col(StatusEvent.provider_id) == provider_id, col(StatusEvent.applied).is_(False))
        .order_by(col(StatusEvent.at), col(StatusEvent.id))
    ).all()
    if not waiting:
        return 0
    message = session.scalar(
        select(OutboxMessage).where(col(OutboxMessage.provider_id) == provider_id)
    )
    if message is None:
        return 0
    for event in waiting:
        _apply(session, message, event)
    return len(waiting)


def _apply(session: Session, message: OutboxMessage, event: StatusEvent) -> None:
    event.applied = True
    if event.status in FINAL and message.status in OPEN:
        if event.status == "delivered":
            message.status, message.delivered_at = MessageStatus.DELIVERED.value, event.at
        else:
            message.status = MessageStatus.FAILED.value
            message.last_error = f"provider reported {event.status}"
    session.add(
        OutboxAttempt(
            message_id=saved_id(message), at=event.at, result=f"status:{event.status}"[:16]
        )
    )
