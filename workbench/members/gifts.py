"""The gift catalogue and redemption against it (issue 22 item 5, issue 23 items 3 and 5).

The catalogue lives in the database (`gift_item`): a price in points, a kind (a gift handed
over, or a voucher), stock (None: unlimited), the lowest tier that may redeem it, limits per
member per local day and per member ever, and an active flag (a retired item stays, for the
redemptions that name it). config/rewards.toml seeds it (`import_rewards`: new items are added,
the others take the file's labels, price, kind, tier and limits; stock and retirement stay the
supervisors'). An item configured but not in the database yet is added when first redeemed, so
a fresh database redeems the configured catalogue.

A redemption, in one transaction:
1. the member's ledger lock (PointsLedger: their balance row, FOR UPDATE on PostgreSQL; the
   immediate transaction on SQLite) — what may be spent, the daily limit in points and the
   item's per-member limits are read under it, so two tills for one member go one at a time;
2. for an item with limited stock, the item's row, FOR UPDATE, always after the member's lock
   (one order: no deadlock) — two members taking the last unit go one at a time, and the
   second sees none left; `CHECK (stock >= 0)` backs it up. Unlimited items are not locked, so
   they never queue redemptions of different members behind each other;
3. the debit line, the stock decremented, the redemption line (member, item, quantity, points
   entry, staff, store) and, for a voucher item, one voucher code per unit.

A voucher code is random (`secrets`, 80 bits) and only its SHA-256 digest is stored (unique),
with its last four characters as a hint: the code is shown once, to the staff member who
redeemed it, and a code presented later can be checked against the digest. At 80 random bits
the digest cannot be turned back into the code, so no key is needed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col

from workbench.db.ids import saved_id
from workbench.db.types import utc_column
from workbench.errors import InvalidState, LimitExceeded, ValidationError
from workbench.members import rights
from workbench.members.gift_config import GiftKind, Reward, checked_reward
from workbench.members.models import Member, PointsEntry, PointsKind
from workbench.members.points import PointsLedger

MAX_QUANTITY = 99  # units in one redemption
VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 letters, none mistaken for another
VOUCHER_LENGTH = 16  # 16 × 5 bits


class GiftItem(SQLModel, table=True):
    """One item of the catalogue. `min_tier` is a tier code of the scheme in force."""

    __tablename__ = "gift_item"
    __table_args__ = (
        CheckConstraint("stock IS NULL OR stock >= 0", name="ck_gift_item_stock_not_negative"),
        CheckConstraint("points > 0", name="ck_gift_item_points_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    label_zh: str = Field(max_length=100)
    label_en: str = Field(max_length=100)
    points: int
    kind: GiftKind = Field(sa_column=Column(String(16), nullable=False))
    stock: int | None = None  # None: unlimited
    min_tier: str | None = Field(default=None, max_length=32)
    daily_limit: int | None = None  # units per member per local day
    total_limit: int | None = None  # units per member ever
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh


class GiftRedemption(SQLModel, table=True):
    """A redemption: who, what, how many, the ledger line that paid for it, who served, where."""

    __tablename__ = "gift_redemption"
    # The per-item limits read a member's redemptions of one item since a day (or ever).
    __table_args__ = (
        Index("ix_gift_redemption_member_item", "member_id", "item_id", "redeemed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    item_id: int = Field(foreign_key="gift_item.id", index=True)
    quantity: int
    points: int
    points_entry_id: int = Field(foreign_key="points_entry.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    store_id: int | None = Field(default=None, foreign_key="store.id")
    redeemed_at: datetime = Field(sa_column=utc_column(nullable=False))


class GiftVoucher(SQLModel, table=True):
    """A voucher code issued by a redemption: only its digest and a hint are kept."""

    __tablename__ = "gift_voucher"

    id: int | None = Field(default=None, primary_key=True)
    redemption_id: int = Field(
        sa_column=Column(Integer, ForeignKey("gift_redemption.id"), nullable=False, index=True)
    )
    code_digest: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    hint: str = Field(max_length=8)  # the code's last four characters
    issued_at: datetime = Field(sa_column=utc_column(nullable=False))


@dataclass(frozen=True)
class Redeemed:
    redemption_id: int
    entry: PointsEntry
    item: GiftItem
    quantity: int
    points: int
    voucher_codes: tuple[str, ...]  # shown once: only their digests are stored
    balance: int  # what the member may spend after it


def voucher_digest(code: str) -> str:
    normal = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(normal.encode()).hexdigest()


def new_voucher_code() -> str:
    raw = "".join(secrets.choice(VOUCHER_ALPHABET) for _ in range(VOUCHER_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, VOUCHER_LENGTH, 4))


class GiftCatalogue:
    def __init__(self, ledger: PointsLedger) -> None:
        self.ledger = ledger
        self.clock = ledger.clock
        self.scheme = ledger.scheme
        self.configured = ledger.rewards  # config/rewards.toml: the catalogue to start with

    # Reading -------------------------------------------------------------------------------
    def items(self, session: Session, *, include_retired: bool = False) -> list[GiftItem]:
        query = select(GiftItem).order_by(col(GiftItem.points), col(GiftItem.code))
        if not include_retired:
            query = query.where(col(GiftItem.active))
        return list(session.scalars(query))

    def item(self, session: Session, code: str) -> GiftItem:
        found = self._find(session, code)
        if found is None:
            known = ", ".join(sorted({i.code for i in self.items(session)} | set(self.configured)))
            raise ValidationError("reward", f"unknown reward {code.strip()!r} (known: {known})")
        return found

    def unstored(self, session: Session) -> list[Reward]:
        """Configured items a fresh database has not stored yet (their first redemption, or
        `store_configured`, adds them)."""
        stored = set(session.scalars(select(col(GiftItem.code))))
        return [reward for code, reward in self.configured.items() if code not in stored]

    def store_configured(self, session: Session) -> None:
        missing = self.unstored(session)
        if missing:  # another desk may have stored them since
            self._insert(session, missing)

    def _find(self, session: Session, code: str) -> GiftItem | None:
        return session.scalar(select(GiftItem).where(col(GiftItem.code) == code.strip()))

    # Managing ------------------------------------------------------------------------------
    def add(self, session: Session, reward: Reward) -> GiftItem:
        reward = checked_reward(replace(reward, code=reward.code.strip()), self._tier_codes())
        if self._find(session, reward.code) is not None:
            raise ValidationError("code", f"the catalogue already has {reward.code!r}")
        self._insert(session, [reward])
        return self.item(session, reward.code)

    def import_rewards(self, session: Session, rewards: Iterable[Reward]) -> tuple[int, int]:
        """Adds the rewards the catalogue lacks and brings the others' labels, price, kind,
        tier and limits in line (stock and retirement are left as they are): (added, updated).
        Run twice, the second run changes nothing."""
        added = updated = 0
        for reward in rewards:
            reward = checked_reward(reward, self._tier_codes())
            item = self._find(session, reward.code)
            if item is None:
                self._insert(session, [reward])
                added += 1
                continue
            wanted = {
                "label_zh": reward.label_zh,
                "label_en": reward.label_en,
                "points": reward.points,
                "kind": reward.kind,
                "min_tier": reward.min_tier,
                "daily_limit": reward.daily_limit,
                "total_limit": reward.total_limit,
            }
            if any(getattr(item, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(item, name, value)
                item.updated_at = self.clock.now()
                updated += 1
        session.flush()
        return added, updated

    def restock(self, session: Session, code: str, change: int) -> GiftItem:
        """Adds units to the stock (or takes them, if negative), under the item's lock."""
        if change == 0:
            raise ValidationError("stock", "give the units to add (+N) or take (-N)")
        item = self._locked(session, self.item(session, code))
        if item.stock is None:
            raise InvalidState(f"{item.code} has unlimited stock")
        if item.stock + change < 0:
            raise ValidationError("stock", f"only {item.stock} in stock: cannot take {-change}")
        item.stock += change
        item.updated_at = self.clock.now()
        session.flush()
        return item

    def retire(self, session: Session, code: str) -> GiftItem:
        item = self._locked(session, self.item(session, code))
        if not item.active:
            raise InvalidState(f"{item.code} is already retired")
        item.active = False
        item.updated_at = self.clock.now()
        session.flush()
        return item

    def _insert(self, session: Session, rewards: list[Reward]) -> None:
        """Inserts, leaving a code another transaction has just added (it wins)."""
        now = self.clock.now()
        rows = [
            {
                "code": r.code,
                "label_zh": r.label_zh,
                "label_en": r.label_en,
                "points": r.points,
                "kind": r.kind.value,
                "stock": r.stock,
                "min_tier": r.min_tier,
                "daily_limit": r.daily_limit,
                "total_limit": r.total_limit,
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for r in rewards
        ]
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(GiftItem).on_conflict_do_nothing(index_elements=["code"]), rows
        )

    def _locked(self, session: Session, item: GiftItem) -> GiftItem:
        """The item re-read under its row lock (PostgreSQL; SQLite's transaction holds the
        write lock already)."""
        locked = session.scalar(
            select(GiftItem)
            .where(col(GiftItem.id) == item.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert locked is not None  # rows are never deleted
        return locked

    def _tier_codes(self) -> list[str]:
        return [t.code for t in self.scheme.tiers]

    # Redeeming -----------------------------------------------------------------------------
    def redeem(
        self,
        session: Session,
        *,
        member: Member,
        code: str,
        quantity: int = 1,
        staff_id: int | None = None,
        store_id: int | None = None,
        card_no: str | None = None,
    ) -> Redeemed:
        """Spends the member's points on `quantity` units of an item: see the module doc for
        the locks. Refused with a typed error, nothing written, when the card is not usable,
        the item is unknown or retired, the member's tier is below the item's, the balance or
        the daily limit is short, an item limit would be passed, or the stock is short."""
        rights.may_spend(session, member, card_no)
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError("quantity", f"must be at least 1 and at most {MAX_QUANTITY}")
        item = self._for_redemption(session, code)
        self._require_tier(member, item)
        member_id = saved_id(member)
        points = item.points * quantity
        balance = self.ledger.spendable_for_redemption(session, member_id, points)
        self._require_item_limits(session, member_id, item, quantity)
        if item.stock is not None:
            item = self._locked(session, item)
            if not item.active:
                raise InvalidState(f"{item.code} was retired")
            left = item.stock or 0  # still limited: only a supervisor's edit changes that
            if left < quantity:
                raise InvalidState(f"{item.code} is out of stock ({left} left)")
            session.execute(
                update(GiftItem)
                .where(col(GiftItem.id) == item.id)
                .values(stock=col(GiftItem.stock) - quantity)
                .execution_options(synchronize_session="fetch")
            )
        entry = self.ledger._debit_locked(
            session,
            member_id=member_id,
            kind=PointsKind.REDEMPTION,
            points=points,
            staff_id=staff_id,
            detail=f"{item.code} x{quantity}",
        )
        session.flush()
        now = self.clock.now()
        line = GiftRedemption(
            member_id=member_id,
            item_id=saved_id(item),
            quantity=quantity,
            points=points,
            points_entry_id=saved_id(entry),
            staff_id=staff_id,
            store_id=store_id,
            redeemed_at=now,
        )
        session.add(line)
        session.flush()
        codes: tuple[str, ...] = ()
        if item.kind == GiftKind.VOUCHER:
            codes = self._issue_vouchers(session, saved_id(line), quantity, now)
        return Redeemed(saved_id(line), entry, item, quantity, points, codes, balance - points)

    def _for_redemption(self, session: Session, code: str) -> GiftItem:
        item = self._find(session, code)
        if item is None and code.strip() in self.configured:
            self._insert(session, [self.configured[code.strip()]])
        item = self.item(session, code)
        if not item.active:
            raise InvalidState(f"{item.code} is retired: it can no longer be redeemed")
        return item

    def _require_tier(self, member: Member, item: GiftItem) -> None:
        if item.min_tier is None:
            return
        lowest = self.scheme.get(item.min_tier)
        if self.scheme.get(member.tier_code).rank < lowest.rank:
            raise InvalidState(
                f"{item.code} is for {lowest.label_en} members and above "
                f"({member.member_no} is {member.tier_code})"
            )

    def _require_item_limits(
        self, session: Session, member_id: int, item: GiftItem, quantity: int
    ) -> None:
        """Under the member's lock: their earlier redemptions of this item are all committed."""
        if item.daily_limit is not None:
            since = self.ledger._day_start(self.clock.now())
            today = self._units(session, member_id, item, since)
            if today + quantity > item.daily_limit:
                raise LimitExceeded(
                    f"{item.code}: at most {item.daily_limit} a day per member; "
                    f"{today} already today"
                )
        if item.total_limit is not None:
            ever = self._units(session, member_id, item, None)
            if ever + quantity > item.total_limit:
                raise LimitExceeded(
                    f"{item.code}: at most {item.total_limit} per member; {ever} already"
                )

    def _units(
        self, session: Session, member_id: int, item: GiftItem, since: datetime | None
    ) -> int:
        query = select(func.coalesce(func.sum(col(GiftRedemption.quantity)), 0)).where(
            col(GiftRedemption.member_id) == member_id, col(GiftRedemption.item_id) == item.id
        )
        if since is not None:
            query = query.where(col(GiftRedemption.redeemed_at) >= since)
        return int(session.scalar(query) or 0)

    def _issue_vouchers(
        self, session: Session, redemption_id: int, quantity: int, now: datetime
    ) -> tuple[str, ...]:
        codes: list[str] = []
        for _ in range(quantity):
            code = new_voucher_code()
            while session.scalar(
                select(func.count()).where(col(GiftVoucher.code_digest) == voucher_digest(code))
            ):
                code = new_voucher_code()  # 80 random bits: in practice never
            codes.append(code)
            session.add(
                GiftVoucher(
                    redemption_id=redemption_id,
                    code_digest=voucher_digest(code),
                    hint=code[-4:],
                    issued_at=now,
                )
            )
        session.flush()
        return tuple(codes)
