"""Campaign segments: which members a campaign calls. A segment is a small JSON object; each key
narrows the members (all keys must hold)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlmodel import Session, col

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


def parse_segment(text: str | dict[str, Any]) -> dict[str, Any]:
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
        if not isinstance(value, kind) or (isinstance(value, int) and kind is int and value <= 0):
            raise ValidationError("segment", f"{key} must be a positive {kind.__name__}")
    if "birthday_month" in segment and not 1 <= segment["birthday_month"] <= 12:
        raise ValidationError("segment", "birthday_month is 1 to 12")
    return segment


def segment_conditions(
    session: Session, segment: dict[str, Any], now: datetime
) -> list[ColumnElement[bool]]:
    """SQL conditions on Member for a parsed segment (active, callable members only)."""
    from workbench.complaints.models import Complaint  # the segment spans packages by design

    conditions = [col(Member.status) == MemberStatus.ACTIVE, col(Member.do_not_call).is_(False)]
    if "tier" in segment:
        conditions.append(col(Member.tier_code) == segment["tier"])
    if "store" in segment:
        store_id = session.scalar(select(col(Store.id)).where(col(Store.code) == segment["store"]))
        if store_id is None:
            raise ValidationError("segment", f"no store {segment['store']!r}")
        conditions.append(col(Member.store_id) == store_id)
    if "birthday_month" in segment:
        conditions.append(col(Member.birth_month_day).like(f"{segment['birthday_month']:02d}%"))
    if "points_expiring_days" in segment:
        horizon = now + timedelta(days=segment["points_expiring_days"])
        conditions.append(col(Member.id).in_(_alive_points_expiring(now, horizon)))
    if "no_purchase_days" in segment:
        since = now - timedelta(days=segment["no_purchase_days"])
        conditions.append(
            ~exists().where(
                col(Purchase.member_id) == col(Member.id), col(Purchase.occurred_at) > since
            )
        )
    if "complaint_closed_days" in segment:
        since = now - timedelta(days=segment["complaint_closed_days"])
        conditions.append(
            exists().where(
                and_(col(Complaint.member_id) == col(Member.id), col(Complaint.closed_at) >= since)
            )
        )
    return conditions


def _alive_points_expiring(now: datetime, horizon: datetime) -> Select[int]:
    """Members with points still alive that expire in (now, horizon]: the ledger's model
    (`PointsLedger._alive_by`): debits consume credits first to expire first, so what is alive
    among credits expiring by the horizon is those credits less every debit. A credit in the
    window that was already spent does not count (issue 22 item 10)."""
    points, expires = col(PointsEntry.points), col(PointsEntry.expires_at)
    due = func.sum(case((and_(points > 0, expires <= horizon), points), else_=0))
    debits = func.sum(case((points < 0, -points), else_=0))
    in_window = select(col(PointsEntry.member_id)).where(
        points > 0, expires > now, expires <= horizon
    )
    return (
        select(col(PointsEntry.member_id))
        .where(col(PointsEntry.member_id).in_(in_window.distinct()))
        .group_by(col(PointsEntry.member_id))
        .having(due > debits)
    )
