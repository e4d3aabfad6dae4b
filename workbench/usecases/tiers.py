"""Tiers and points as a whole: the periodic tier review (by hand or scheduled), a manual tier
grant approved by a second person, points expiry, the points about to expire, and a
supervisor's adjustment of a member's points."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.members.models import Staff
from workbench.members.points import PointsLedger
from workbench.members.registry import TIER_APPROVERS, MemberRegistry, require_role
from workbench.members.review import TierChange, TierReview
from workbench.usecases.base import UnitOfWork
from workbench.usecases.protection import staff_named

if TYPE_CHECKING:
    from workbench.bootstrap import Services


@dataclass(frozen=True)
class ReviewResult:
    changes: tuple[TierChange, ...]
    moves: dict[tuple[str, str], int]  # (from tier, to tier) -> members
    applied: bool  # False: a dry run, nothing written


@dataclass(frozen=True)
class TierGrant:
    member_no: str
    tier_code: str
    until: datetime


@dataclass(frozen=True)
class PointsAdjusted:
    member_no: str
    points: int  # positive: credited; negative: taken
    reason: str
    balance: int  # what the member may spend after it


@dataclass(frozen=True)
class PointsExpiring:
    members: int
    points: int
    days: int


class TierDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        registry: MemberRegistry,
        review: TierReview,
        ledger: PointsLedger,
        reminder_days: int,
    ) -> None:
        self.uow = uow
        self.registry = registry
        self.tier_review = review
        self.ledger = ledger
        self.reminder_days = reminder_days

    def review(self, actor: Staff | None, *, dry_run: bool = False) -> ReviewResult:
        """Promotes and demotes members from their spend and visits in the review period, the
        proposal and its application in one transaction. `actor` runs it by hand (a tier
        approver: the list names members and their spend); None is the scheduled review."""
        if actor is not None:
            require_role(actor, TIER_APPROVERS, "run the tier review")
        with self.uow.read() if dry_run else self.uow.write() as session:
            changes = self.tier_review.proposed_changes(session)
            if not dry_run:
                self.tier_review.apply(session, changes, actor=actor)
        moves = Counter((c.old_tier, c.new_tier) for c in changes)
        return ReviewResult(tuple(changes), dict(moves), applied=not dry_run)

    def grant(
        self, actor: Staff, member_no: str, tier_code: str, *, reason: str, requested_by: str
    ) -> TierGrant:
        """A manual grant a colleague (`requested_by`, a username) asked for, approved by the
        actor; kept through reviews until it ends."""
        with self.uow.write() as session:
            member = self.registry.grant_tier(
                session,
                member_no=member_no,
                tier_code=tier_code,
                reason=reason,
                requested_by=staff_named(session, requested_by),
                approved_by=actor,
            )
            assert member.tier_locked_until is not None
            return TierGrant(member.member_no, member.tier_code, member.tier_locked_until)

    def adjust_points(
        self, actor: Staff, member_no: str, points: int, reason: str
    ) -> PointsAdjusted:
        """A supervisor's or administrator's correction of a member's points, either way, with
        the reason: through the member's ledger lock, audited, in one transaction."""
        with self.uow.write() as session:
            entry = self.registry.adjust_points(
                session, member_no=member_no, points=points, reason=reason, actor=actor
            )
            balance = self.ledger.balance(session, entry.member_id)
            return PointsAdjusted(member_no, points, entry.detail, balance)

    def expire_points(self) -> int:
        """Writes expiry lines for points past their expiry date (safe to run again); how many
        points expired."""
        with self.uow.write() as session:
            return self.ledger.expire_due(session)

    def expiring(self, days: int | None = None) -> PointsExpiring:
        """How many members have points expiring within `days` (default: the reminder
        setting), and how many points."""
        days = days or self.reminder_days
        with self.uow.read() as session:
            rows = self.ledger.expiring_within(session, days)
            return PointsExpiring(len(rows), sum(r.points for r in rows), days)


def tier_desk(s: Services, uow: UnitOfWork) -> TierDesk:
    return TierDesk(
        uow=uow,
        registry=s.registry,
        review=s.tier_review,
        ledger=s.ledger,
        reminder_days=s.settings.members_expiry_reminder_days,
    )
