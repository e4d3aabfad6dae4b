"""Campaign segments: which members a campaign calls. A segment is a small JSON object; each key
narrows the members (all keys must hold)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select
from sqlmodel import Session

from workbench.errors import ValidationError
from workbench.members.models import Member, MemberStatus, PointsEntry, Purchase, Store

KEYS = {
    "tier": str,
    "store": str,
    "birthday_month": int,
    "points_expiring_days": int,
    "no_purchase_days": int,
    "complaint_closed_days": int,
}


def parse_segment(text: str | dict) -> dict:
    try:
        segment = json.loads(text) if isinstance(text, str) else dict(text)
    except ValueError:
        raise ValidationError("segment", 'a JSON object such as {"tier": "gold"}') from None
    if not isinstance(segment, dict) or not segment:
        raise ValidationError("segment", f"a JSON object with some of: {', '.join(KEYS)}")
    for key, value in segment.items():
        kind = KEYS.get(key)
        if kind is None:
            raise ValidationError("segment", f"unknown key {key!r}; known: {', '.join(KEYS)}")
        if not isinstance(value, kind) or (kind is int and value <= 0):
            raise ValidationError("segment", f"{key} must be a positive {kind.__name__}")
    if "birthday_month" in segment and not 1 <= segment["birthday_month"] <= 12:
        raise ValidationError("segment", "birthday_month is 1 to 12")
    return segment


def segment_conditions(session: Session, segment: dict, now: datetime) -> list:
    """SQL conditions on Member for a parsed segment (active, callable members only)."""
    from workbench.complaints.models import Complaint  # the segment spans packages by design

    conditions = [Member.status == MemberStatus.ACTIVE, Member.do_not_call.is_(False)]
    if "tier" in segment:
        conditions.append(Member.tier_code == segment["tier"])
    if "store" in segment:
        store_id = session.scalar(select(Store.id).where(Store.code == segment["store"]))
        if store_id is None:
            raise ValidationError("segment", f"no store {segment['store']!r}")
        conditions.append(Member.store_id == store_id)
    if "birthday_month" in segment:
        conditions.append(Member.birth_month_day.like(f"{segment['birthday_month']:02d}%"))
    if "points_expiring_days" in segment:
        horizon = now + timedelta(days=segment["points_expiring_days"])
        conditions.append(
            exists().where(
                PointsEntry.member_id == Member.id,
                PointsEntry.points > 0,
                PointsEntry.expires_at > now,
                PointsEntry.expires_at <= horizon,
            )
        )
    if "no_purchase_days" in segment:
        since = now - timedelta(days=segment["no_purchase_days"])
        conditions.append(
            ~exists().where(Purchase.member_id == Member.id, Purchase.occurred_at > since)
        )
    if "complaint_closed_days" in segment:
        since = now - timedelta(days=segment["complaint_closed_days"])
        conditions.append(
            exists().where(and_(Complaint.member_id == Member.id, Complaint.closed_at >= since))
        )
    return conditions
