"""The member aggregates, one grouped query each, computed by the database: membership (one pass
over the members), purchases and retention (purchases summed per member, then per store), the
points ledger, complaint satisfaction and cards issued. Each returns raw counts per store id;
nothing here decides who may see them (see service.py) or hides small groups (protection.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Executable,
    SQLColumnExpression,
    and_,
    case,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from workbench.complaints.models import Complaint
from workbench.members.models import Member, MemberCard, PointsEntry, PointsKind, Purchase
from workbench.statistics.period import Period

Raw = dict[int, dict[str, int]]  # store id -> figure -> number


def on_books(at: datetime) -> ColumnElement[bool]:
    """A member at the instant `at`: joined before it and not terminated by then."""
    return and_(
        col(Member.joined_at) < at,
        or_(col(Member.terminated_at).is_(None), col(Member.terminated_at) >= at),
    )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _within(column: SQLColumnExpression[datetime | None], period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start, column < period.end)


def _rows(session: Session, query: Executable) -> Raw:
    result: Raw = defaultdict(dict)
    for row in session.execute(query).mappings():
        values = dict(row)
        store_id = values.pop("store_id")
        result[store_id].update({k: int(v or 0) for k, v in values.items()})
    return result


def membership(session: Session, period: Period, stores: list[int] | None) -> tuple[Raw, Raw]:
    """Members on the books at the end of the period by store and current tier; joined and
    ended in the period by store."""
    query = (
        select(
            col(Member.store_id),
            col(Member.tier_code),
            func.sum(_flag(on_books(period.end))).label("members"),
            func.sum(_flag(_within(col(Member.joined_at), period))).label("joined"),
            func.sum(_flag(_within(col(Member.terminated_at), period))).label("ended"),
        )
        .where(col(Member.joined_at).is_not(None), *_in(col(Member.store_id), stores))
        .group_by(col(Member.store_id), col(Member.tier_code))
    )
    totals: Raw = defaultdict(lambda: {"members": 0, "joined": 0, "ended": 0})
    tiers: Raw = defaultdict(dict)
    for store_id, tier, members, joined, ended in session.execute(query):
        row = totals[store_id]
        row["members"] += int(members or 0)
        row["joined"] += int(joined or 0)
        row["ended"] += int(ended or 0)
        tiers[store_id][tier] = tiers[store_id].get(tier, 0) + int(members or 0)
    return totals, tiers


def purchases(
    session: Session, period: Period, stores: list[int] | None, *, retention: bool = True
) -> Raw:
    """Active members, their spend (fen) and visits; the retention cohort (bought in the
    previous period and were members at its end) and how many of it bought again."""
    before = period.previous() if retention else period
    in_period = col(Purchase.occurred_at) >= period.start
    fen = type_coerce(Purchase.amount, BigInteger)  # whole fen: exact sums on both backends
    per_member = (
        select(
            col(Purchase.member_id).label("member_id"),
            func.sum(_flag(in_period) * fen).label("spend"),
            func.sum(_flag(in_period)).label("visits"),
            func.max(_flag(col(Purchase.occurred_at) < period.start)).label("before"),
        )
        .where(
            col(Purchase.occurred_at) >= before.start,
            col(Purchase.occurred_at) < period.end,
            *_members_of(col(Purchase.member_id), stores),
        )
        .group_by(col(Purchase.member_id))
        .subquery()
    )
    now_member, then_member = on_books(period.end), on_books(period.start)
    bought = per_member.c.visits > 0
    cohort = and_(then_member, per_member.c.before == 1)
    query = (
        select(
            col(Member.store_id),
            func.sum(_flag(and_(now_member, bought))).label("active"),
            func.sum(_flag(now_member) * per_member.c.spend).label("spend_fen"),
            func.sum(_flag(now_member) * per_member.c.visits).label("visits"),
            func.sum(_flag(cohort)).label("cohort"),
            func.sum(_flag(and_(cohort, bought))).label("retained"),
        )
        .join_from(per_member, Member, col(Member.id) == per_member.c.member_id)
        .where(*_in(col(Member.store_id), stores))
        .group_by(col(Member.store_id))
    )
    return _rows(session, query)


def points(session: Session, period: Period, stores: list[int] | None) -> Raw:
    """Points issued (every credit), redeemed and expired in the period, with how many members
    each sum covers; members who took part in an activity (earned activity points)."""
    kind = col(PointsEntry.kind)
    per_member = (
        select(
            col(PointsEntry.member_id).label("member_id"),
            func.sum(_flag(col(PointsEntry.points) > 0) * col(PointsEntry.points)).label("issued"),
            func.sum(_flag(kind == PointsKind.REDEMPTION.value) * -col(PointsEntry.points)).label(
                "redeemed"
            ),
            func.sum(_flag(kind == PointsKind.EXPIRY.value) * -col(PointsEntry.points)).label(
                "expired"
            ),
            func.max(_flag(kind == PointsKind.ACTIVITY.value)).label("activity"),
        )
        .where(
            _within(col(PointsEntry.occurred_at), period),
            *_members_of(col(PointsEntry.member_id), stores),
        )
        .group_by(col(PointsEntry.member_id))
        .subquery()
    )
    member = on_books(period.end)
    p = per_member.c
    query = (
        select(
            col(Member.store_id),
            func.sum(_flag(member) * p.issued).label("points_issued"),
            func.sum(_flag(and_(member, p.issued > 0))).label("earners"),
            func.sum(_flag(member) * p.redeemed).label("points_redeemed"),
            func.sum(_flag(and_(member, p.redeemed > 0))).label("redeemers"),
            func.sum(_flag(member) * p.expired).label("points_expired"),
            func.sum(_flag(and_(member, p.expired > 0))).label("expirers"),
            func.sum(_flag(and_(member, p.activity == 1))).label("participants"),
        )
        .join_from(per_member, Member, col(Member.id) == p.member_id)
        .where(*_in(col(Member.store_id), stores))
        .group_by(col(Member.store_id))
    )
    return _rows(session, query)


def satisfaction(session: Session, period: Period, stores: list[int] | None) -> Raw:
    """Complaints received in the period by the store they belong to, with their satisfaction
    scores: the complaint analysis's own scope (complaints/analytics.py), grouped by store."""
    query = (
        select(
            col(Complaint.store_id),
            func.count().label("complaints"),
            func.count(col(Complaint.satisfaction)).label("scores"),
            func.sum(col(Complaint.satisfaction)).label("score_sum"),
        )
        .where(
            _within(col(Complaint.received_at), period),
            col(Complaint.store_id).is_not(None),
            *_in(col(Complaint.store_id), stores),
        )
        .group_by(col(Complaint.store_id))
    )
    return _rows(session, query)


def cards_issued(session: Session, period: Period, stores: list[int] | None) -> Raw:
    """Cards issued in the period (new members' cards and reissues) by the member's store.
    Counted per member first, so the member rows are read once per member with cards, not
    once per member."""
    per_member = (
        select(col(MemberCard.member_id).label("member_id"), func.count().label("cards"))
        .where(
            _within(col(MemberCard.issued_at), period),
            *_members_of(col(MemberCard.member_id), stores),
        )
        .group_by(col(MemberCard.member_id))
        .subquery()
    )
    query = (
        select(col(Member.store_id), func.sum(per_member.c.cards).label("cards"))
        .join_from(per_member, Member, col(Member.id) == per_member.c.member_id)
        .where(*_in(col(Member.store_id), stores))
        .group_by(col(Member.store_id))
    )
    return _rows(session, query)


def _in(
    column: SQLColumnExpression[int | None], stores: list[int] | None
) -> list[ColumnElement[bool]]:
    return [] if stores is None else [column.in_(stores)]


def _members_of(
    column: SQLColumnExpression[int | None], stores: list[int] | None
) -> list[ColumnElement[bool]]:
    """One store's lines are found through its members (by index), not by reading them all."""
    if stores is None:
        return []
    return [column.in_(select(col(Member.id)).where(col(Member.store_id).in_(stores)))]
