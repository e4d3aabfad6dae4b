"""Activity points credited by a named rule (config/activity_rules.toml): the rule says how many
points, which roles may credit them and how many times a member may get them in a local day.
The cap is counted under the member's ledger lock, so two staff crediting the same member at
once cannot both pass it. The line's detail is the rule's code: the count reads it back."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.db.ids import saved_id
from workbench.errors import LimitExceeded, PermissionDenied, ValidationError
from workbench.members.gift_config import ActivityRule
from workbench.members.models import Member, PointsEntry, PointsKind, Staff
from workbench.members.points import PointsLedger


class ActivityCredits:
    def __init__(self, *, ledger: PointsLedger, rules: dict[str, ActivityRule]) -> None:
        self.ledger = ledger
        self.rules = rules

    def rules_for(self, role: str) -> list[ActivityRule]:
        return [rule for rule in self.rules.values() if role in rule.roles]

    def rule(self, code: str) -> ActivityRule:
        rule = self.rules.get(code.strip())
        if rule is None:
            known = ", ".join(sorted(self.rules))
            raise ValidationError(
                "rule", f"unknown activity rule {code.strip()!r} (known: {known})"
            )
        return rule

    def credit(
        self, session: Session, *, member: Member, rule_code: str, actor: Staff
    ) -> PointsEntry:
        rule = self.rule(rule_code)
        if actor.role not in rule.roles:
            raise PermissionDenied(
                f"{actor.username} ({actor.role}) may not credit {rule.code} points"
            )
        member_id = saved_id(member)
        self.ledger._lock(session, [member_id])  # refuses a member who is not active
        today = self.credited_today(session, member_id, rule)
        if today >= rule.daily_max:
            raise LimitExceeded(
                f"{rule.code}: at most {rule.daily_max} a day per member; "
                f"{member.member_no} has had {today} today"
            )
        entry = self.ledger._credit_locked(
            session,
            member_id=member_id,
            kind=PointsKind.ACTIVITY,
            points=rule.points,
            staff_id=actor.id,
            purchase_id=None,
            detail=rule.code,
            at=None,
        )
        session.flush()
        return entry

    def credited_today(self, session: Session, member_id: int, rule: ActivityRule) -> int:
        since = self.ledger._day_start(self.ledger.clock.now())
        count = session.scalar(
            select(func.count()).where(
                col(PointsEntry.member_id) == member_id,
                col(PointsEntry.kind) == PointsKind.ACTIVITY,
                col(PointsEntry.detail) == rule.code,
                col(PointsEntry.occurred_at) >= since,
            )
        )
        return int(count or 0)
