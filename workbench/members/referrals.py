"""Referral bonuses by the referred member's tier (REQUIREMENTS: 100 / 300 / 500 / 800 points).

A member joins at the base tier, so at approval the referrer is credited the base tier's bonus
(`MemberRegistry.approve`). The higher bonuses are paid as the referred member reaches the
higher tiers: at each promotion (the tier review's transaction, `TierReview.apply`, and a manual
grant) the referrer is credited a REFERRAL top-up of the new tier's bonus less what was already
paid for this member — so the referrer ends with the bonus of the highest tier the referred
member has reached, each tier paid at most once: a member demoted and promoted again pays
nothing more, and a jump from the base tier to the top pays the difference in one line.

What was paid is read from the ledger itself: the referrer's REFERRAL lines whose detail names
the referred member (`referred M…` at approval, `referred M… (tier)` for a top-up), under the
referrer's ledger lock. Nothing is paid to a referrer who is not active at the promotion (their
points were settled, or they are not a member yet) and nothing is paid later for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from workbench.members.models import Member, MemberStatus, PointsEntry, PointsKind
from workbench.members.points import PointsLedger
from workbench.members.tiers import TierScheme


@dataclass(frozen=True)
class Promotion:
    member_id: int
    new_tier: str


@dataclass(frozen=True)
class TopUp:
    referrer_id: int
    referred_no: str
    tier: str
    points: int


def joining_detail(member_no: str) -> str:
    return f"referred {member_no}"


def paid_for(session: Session, referrer_id: int, member_no: str) -> int:
    """The referral points already credited to the referrer for this member."""
    detail = col(PointsEntry.detail)
    paid = session.scalar(
        select(func.coalesce(func.sum(col(PointsEntry.points)), 0)).where(
            col(PointsEntry.member_id) == referrer_id,
            col(PointsEntry.kind) == PointsKind.REFERRAL,
            or_(
                detail == joining_detail(member_no),
                detail.startswith(f"{joining_detail(member_no)} (", autoescape=True),
            ),
        )
    )
    return int(paid or 0)


def top_up_referrers(
    session: Session,
    ledger: PointsLedger,
    scheme: TierScheme,
    promotions: Iterable[Promotion],
    staff_id: int | None,
) -> list[TopUp]:
    """Credits each active referrer of a promoted member the new tier's bonus less what was
    paid for that member. The referrers' locks are taken together, in member order (as every
    batch of the ledger does), before anything is read."""
    referred: list[tuple[Member, int, str]] = []  # (referred member, referrer id, new tier)
    for promotion in promotions:
        member = session.get(Member, promotion.member_id)
        if member is not None and member.referrer_id is not None:
            referred.append((member, member.referrer_id, promotion.new_tier))
    if not referred:
        return []
    referrers = {referrer for _, referrer, _ in referred}
    ledger._lock(session, referrers, active=False)
    active = set(
        session.scalars(
            select(col(Member.id)).where(
                col(Member.id).in_(referrers), col(Member.status) == MemberStatus.ACTIVE
            )
        )
    )
    paid: list[TopUp] = []
    for member, referrer, tier in referred:
        if referrer not in active:
            continue
        due = scheme.get(tier).referral_bonus - paid_for(session, referrer, member.member_no)
        if due <= 0:
            continue
        ledger._credit_locked(
            session,
            member_id=referrer,
            kind=PointsKind.REFERRAL,
            points=due,
            staff_id=staff_id,
            purchase_id=None,
            detail=f"{joining_detail(member.member_no)} ({tier})",
            at=None,
        )
        session.flush()  # the next promotion of the same member reads this line
        paid.append(TopUp(referrer, member.member_no, tier, due))
    return paid
