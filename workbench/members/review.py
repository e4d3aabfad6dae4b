"""The periodic tier review: promotion and demotion from spend and visits in the period."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberEvent, MemberStatus, Purchase, Staff
from workbench.members.points import PointsLedger
from workbench.members.ports import MemberNotices
from workbench.members.referrals import Promotion, top_up_referrers
from workbench.members.registry import TIER_APPROVERS, require_role
from workbench.members.tiers import PeriodActivity, TierScheme

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TierChange:
    member_id: int
    member_no: str
    old_tier: str
    new_tier: str
    spend: Decimal
    visits: int

    @property
    def direction(self) -> str:
        return "promoted" if self.new_rank > self.old_rank else "demoted"

    old_rank: int = 0
    new_rank: int = 0


class TierReview:
    def __init__(
        self,
        *,
        clock: Clock,
        scheme: TierScheme,
        audit: AuditLog,
        notify: MemberNotices,
        ledger: PointsLedger | None = None,  # pays referral top-ups (members/referrals.py)
    ) -> None:
        self.clock = clock
        self.scheme = scheme
        self.audit = audit
        self.notify = notify
        self.ledger = ledger

    def period_start(self, end: datetime) -> datetime | None:
        months = self.scheme.review_period_months
        return end - timedelta(days=round(months * 30.44)) if months else None

    def proposed_changes(self, session: Session, *, batch_size: int = 20_000) -> list[TierChange]:
        """Every active member whose tier the review would change; nothing is written."""
        now = self.clock.now()
        start = self.period_start(now)
        window = [col(Purchase.occurred_at) <= now]
        if start is not None:
            window.append(col(Purchase.occurred_at) >= start)
        activity = (
            select(
                col(Purchase.member_id),
                func.sum(col(Purchase.amount)).label("spend"),
                func.count().label("visits"),
                func.max(col(Purchase.amount)).label("largest"),
            )
            .where(*window)
            .group_by(col(Purchase.member_id))
            .subquery()
        )
        query = (
            select(
                col(Member.id),
                col(Member.member_no),
                col(Member.tier_code),
                col(Member.tier_locked_until),
                activity.c.spend,
                activity.c.visits,
                activity.c.largest,
            )
            .outerjoin(activity, activity.c.member_id == col(Member.id))
            .where(col(Member.status) == MemberStatus.ACTIVE)
            .order_by(col(Member.id))
            .execution_options(yield_per=batch_size)
        )
        changes = []
        for mid, member_no, tier_code, locked_until, spend, visits, largest in session.execute(
            query
        ):
            # sum() and max() keep the Money type, so these come back as Decimal yuan.
            period = PeriodActivity(
                spend=spend or ZERO, visits=int(visits or 0), largest_purchase=largest or ZERO
            )
            locked = locked_until is not None and locked_until > now
            new = self.scheme.review(tier_code, period, locked=locked)
            if new.code != tier_code:
                old = self.scheme.get(tier_code)
                changes.append(
                    TierChange(
                        mid,
                        member_no,
                        tier_code,
                        new.code,
                        period.spend,
                        period.visits,
                        old.rank,
                        new.rank,
                    )
                )
        return changes

    def apply(
        self, session: Session, changes: list[TierChange], *, actor: Staff | None = None
    ) -> int:
        """Write the changes. `actor` is the person running the review by hand (a tier
        approver); None is the scheduled review. Audited either way."""
        if actor is not None:
            require_role(actor, TIER_APPROVERS, "apply the tier review")
        now = self.clock.now()
        promotions: list[Promotion] = []
        for change in changes:
            member = session.get(Member, change.member_id)
            if member is None or member.tier_code != change.old_tier:
                continue  # changed since the proposal was made
            member.tier_code = change.new_tier
            if change.new_rank > change.old_rank:
                promotions.append(Promotion(change.member_id, change.new_tier))
            session.add(
                MemberEvent(
                    member_id=saved_id(member),
                    kind=f"tier_{change.direction}",
                    occurred_at=now,
                    staff_id=actor.id if actor else None,
                    detail=json.dumps(
                        {
                            "from": change.old_tier,
                            "to": change.new_tier,
                            "spend": str(change.spend),
                            "visits": change.visits,
                        }
                    ),
                )
            )
            self.notify(session, member, "tier_change")
        if self.ledger is not None:  # the referrers' top-ups, in the same transaction
            top_up_referrers(
                session, self.ledger, self.scheme, promotions, actor.id if actor else None
            )
        self.audit.record(
            session,
            action="tier_review",
            result="ok",
            actor_id=actor.id if actor else None,
            detail={"changes": len(changes)},
        )
        return len(changes)
