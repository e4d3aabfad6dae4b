"""Points at the member desk: the gift catalogue (everyone at a counter sees it; supervisors and
administrators manage it), redemption against it, activity credits by a named rule, and a
member's ledger with the running balance and the lots still alive.

Redemption is done by agents, sales staff, store managers and supervisors for a member they may
act on (member_refs: their store's, or any for staff of no store), named by member or card
number; a card number is the card presented and must be usable. Each redemption, activity
credit and catalogue change is audited in its own transaction (the anti-abuse trail of rights
usage). The voucher codes a redemption issues are in its read model only: the database keeps
their digests (members/gifts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.audit.chain import AuditLog
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.members.activity import ActivityCredits
from workbench.members.gift_config import (
    ActivityRule,
    GiftKind,
    Reward,
    load_activity_rules,
    load_rewards,
)
from workbench.members.gifts import GiftCatalogue, GiftItem
from workbench.members.models import Member, Role, Staff
from workbench.members.points import PointsLedger
from workbench.members.registry import MemberRegistry
from workbench.members.statement import statement
from workbench.members.tiers import TierScheme
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.member_refs import (
    COUNTER_ROLES,
    MemberLine,
    find_member,
    member_line,
    staff_name,
)

if TYPE_CHECKING:
    from pathlib import Path

    from workbench.bootstrap import Services

REDEEMERS = frozenset({Role.AGENT, Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR})
CATALOGUE_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class GiftLine:
    code: str
    label_zh: str
    label_en: str
    points: int
    kind: str
    stock: int | None  # None: unlimited
    min_tier: str | None
    daily_limit: int | None
    total_limit: int | None
    active: bool

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


@dataclass(frozen=True)
class CatalogueImport:
    added: int
    updated: int


@dataclass(frozen=True)
class RedeemForm:
    """What the redeem screen needs: the member, what they may spend, the items."""

    member: MemberLine
    spendable: int
    gifts: tuple[GiftLine, ...]


@dataclass(frozen=True)
class Redemption:
    member: MemberLine
    gift: GiftLine
    quantity: int
    points: int
    voucher_codes: tuple[str, ...]  # shown once: only their digests are kept
    balance: int


@dataclass(frozen=True)
class RuleLine:
    code: str
    label_zh: str
    label_en: str
    points: int
    daily_max: int

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


@dataclass(frozen=True)
class ActivityCredited:
    member: MemberLine
    rule: RuleLine
    points: int
    balance: int


@dataclass(frozen=True)
class LedgerLine:
    when: datetime
    kind: str
    points: int
    running_balance: int
    detail: str
    staff: str
    expires_at: datetime | None


@dataclass(frozen=True)
class ExpiringLot:
    expires_at: datetime
    points: int


@dataclass(frozen=True)
class MemberLedger:
    member: MemberLine
    lines: tuple[LedgerLine, ...]  # the latest, oldest first
    total_lines: int
    stored_balance: int  # the sum of every line: the last running balance
    spendable: int
    lapsed_unrecorded: int  # expired, its expiry line not written yet
    lots: tuple[ExpiringLot, ...]  # alive, soonest first


class PointsDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        registry: MemberRegistry,
        ledger: PointsLedger,
        cipher: FieldCipher,
        audit: AuditLog,
        scheme: TierScheme,
        rewards_file: Path,
        activity: ActivityCredits,
    ) -> None:
        self.uow = uow
        self.registry = registry
        self.ledger = ledger
        self.catalogue = GiftCatalogue(ledger)
        self.cipher = cipher
        self.audit = audit
        self.scheme = scheme
        self.rewards_file = rewards_file
        self.activity = activity

    # The catalogue ---------------------------------------------------------------------------
    def gifts(self, actor: Staff, *, include_retired: bool = False) -> tuple[GiftLine, ...]:
        require_role(actor, COUNTER_ROLES, "see the gift catalogue")
        with self.uow.read() as session:
            items = self.catalogue.items(session, include_retired=include_retired)
            return tuple(gift_line(i) for i in items)

    def add_gift(self, actor: Staff, reward: Reward) -> GiftLine:
        require_role(actor, CATALOGUE_MANAGERS, "manage the gift catalogue")
        with self.uow.write() as session:
            item = self.catalogue.add(session, reward)
            self._audit_catalogue(session, actor, "gift_added", item)
            return gift_line(item)

    def restock(self, actor: Staff, code: str, change: int) -> GiftLine:
        require_role(actor, CATALOGUE_MANAGERS, "manage the gift catalogue")
        with self.uow.write() as session:
            item = self.catalogue.restock(session, code, change)
            self._audit_catalogue(session, actor, "gift_stock", item, change=change)
            return gift_line(item)

    def retire(self, actor: Staff, code: str) -> GiftLine:
        require_role(actor, CATALOGUE_MANAGERS, "manage the gift catalogue")
        with self.uow.write() as session:
            item = self.catalogue.retire(session, code)
            self._audit_catalogue(session, actor, "gift_retired", item)
            return gift_line(item)

    def import_gifts(self, actor: Staff | None) -> CatalogueImport:
        """Loads config/rewards.toml into the catalogue (safe to run again). `actor` None: the
        demo seed."""
        if actor is not None:
            require_role(actor, CATALOGUE_MANAGERS, "manage the gift catalogue")
        rewards = load_rewards(self.rewards_file)
        with self.uow.write() as session:
            added, updated = self.catalogue.import_rewards(session, rewards.values())
            self.audit.record(
                session,
                action="gift_import",
                result="ok",
                actor_id=actor.id if actor else None,
                detail={"added": added, "updated": updated},
            )
            return CatalogueImport(added, updated)

    def _audit_catalogue(
        self, session: Session, actor: Staff, action: str, item: GiftItem, **more: int
    ) -> None:
        self.audit.record(
            session,
            action=action,
            result="ok",
            actor_id=actor.id,
            detail={"gift": item.code, "stock": item.stock, **more},
        )

    # Redeeming -------------------------------------------------------------------------------
    def redeem_form(self, actor: Staff, reference: str) -> RedeemForm:
        require_role(actor, REDEEMERS, "redeem points")
        with self.uow.read() as session:
            fresh = bool(self.catalogue.unstored(session))
        if fresh:  # offered as redeeming accepts them: a fresh database stores them first
            with self.uow.write() as session:
                self.catalogue.store_configured(session)
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, reference)
            return RedeemForm(
                member=member_line(self.cipher, member),
                spendable=self.ledger.balance(session, saved_id(member)),
                gifts=tuple(gift_line(i) for i in self.catalogue.items(session)),
            )

    def redeem(self, actor: Staff, reference: str, gift_code: str, quantity: int = 1) -> Redemption:
        """Redeems `quantity` units of a catalogue item for the member a member or card number
        names; refused whole (nothing written) on any rule (members/gifts.py)."""
        require_role(actor, REDEEMERS, "redeem points")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            card_no = None if reference.strip() == member.member_no else reference.strip()
            done = self.catalogue.redeem(
                session,
                member=member,
                code=gift_code,
                quantity=quantity,
                staff_id=actor.id,
                store_id=actor.store_id,
                card_no=card_no,
            )
            self.audit.record(
                session,
                action="points_redemption",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={
                    "gift": done.item.code,
                    "quantity": quantity,
                    "points": done.points,
                    "vouchers": len(done.voucher_codes),
                },
            )
            return Redemption(
                member=member_line(self.cipher, member),
                gift=gift_line(done.item),
                quantity=quantity,
                points=done.points,
                voucher_codes=done.voucher_codes,
                balance=done.balance,
            )

    # Activity credits ------------------------------------------------------------------------
    def activity_rules(self, actor: Staff) -> tuple[RuleLine, ...]:
        """The rules the actor may credit."""
        require_role(actor, COUNTER_ROLES, "credit activity points")
        return tuple(rule_line(r) for r in self.activity.rules_for(actor.role))

    def credit_activity(self, actor: Staff, reference: str, rule_code: str) -> ActivityCredited:
        require_role(actor, COUNTER_ROLES, "credit activity points")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            entry = self.activity.credit(session, member=member, rule_code=rule_code, actor=actor)
            rule = self.activity.rule(rule_code)
            self.audit.record(
                session,
                action="points_activity",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={"rule": rule.code, "points": entry.points},
            )
            return ActivityCredited(
                member=member_line(self.cipher, member),
                rule=rule_line(rule),
                points=entry.points,
                balance=self.ledger.balance(session, saved_id(member)),
            )

    # The ledger ------------------------------------------------------------------------------
    def member_ledger(self, actor: Staff, reference: str, limit: int = 50) -> MemberLedger:
        require_role(actor, COUNTER_ROLES, "see a member's points")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, reference)
            return self._ledger_of(session, member, limit)

    def _ledger_of(self, session: Session, member: Member, limit: int) -> MemberLedger:
        found = statement(session, self.ledger, saved_id(member), limit=max(1, limit))
        names: dict[int | None, str] = {}
        for line in found.lines:
            if line.staff_id not in names:
                names[line.staff_id] = staff_name(session, line.staff_id)
        return MemberLedger(
            member=member_line(self.cipher, member),
            lines=tuple(
                LedgerLine(
                    when=line.occurred_at,
                    kind=line.kind.value,
                    points=line.points,
                    running_balance=line.running_balance,
                    detail=line.detail,
                    staff=names[line.staff_id],
                    expires_at=line.expires_at,
                )
                for line in found.lines
            ),
            total_lines=found.total_lines,
            stored_balance=found.stored_balance,
            spendable=found.spendable,
            lapsed_unrecorded=found.lapsed_unrecorded,
            lots=tuple(ExpiringLot(lot.expires_at, lot.points) for lot in found.lots),
        )


def gift_line(item: GiftItem) -> GiftLine:
    return GiftLine(
        code=item.code,
        label_zh=item.label_zh,
        label_en=item.label_en,
        points=item.points,
        kind=GiftKind(item.kind).value,
        stock=item.stock,
        min_tier=item.min_tier,
        daily_limit=item.daily_limit,
        total_limit=item.total_limit,
        active=item.active,
    )


def rule_line(rule: ActivityRule) -> RuleLine:
    return RuleLine(rule.code, rule.label_zh, rule.label_en, rule.points, rule.daily_max)


def points_desk(s: Services, uow: UnitOfWork) -> PointsDesk:
    settings = s.settings
    return PointsDesk(
        uow=uow,
        registry=s.registry,
        ledger=s.ledger,
        cipher=s.cipher,
        audit=s.audit,
        scheme=s.scheme,
        rewards_file=settings.config_path("rewards.toml"),
        activity=ActivityCredits(
            ledger=s.ledger,
            rules=load_activity_rules(settings.config_path("activity_rules.toml")),
        ),
    )
