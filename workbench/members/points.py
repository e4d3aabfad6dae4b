"""The points ledger: every movement is a line, the balance is the sum of the lines.

Debits (redemptions, expiries, settlements) consume the credits recorded before them, first
to expire first (every credit expires a fixed number of years after it was earned). The credits
expiring by T then act as a queue: in the order the lines were recorded, each such credit adds
and each debit takes what it can, so what is alive of them is the sum of those movements less
their lowest running total below 0 (none if never below). No per-lot bookkeeping is needed,
and a credit recorded late (an Odoo order dated in the past) was never taken by earlier debits.

Points behave like money (issue 23):
- One member's points change in one transaction at a time. Every movement first takes the
  member's ledger lock: their `points_balance` row, read FOR UPDATE on PostgreSQL (on SQLite the
  caller's transaction holds the database's write lock from its start: `UnitOfWork.write()`,
  `immediate_session`). The row stores the sum of the lines, updated in the same transaction,
  and `CHECK (balance >= 0)` lets the database itself refuse a negative balance.
- Expired points are never spendable. Under the lock, a debit first records the expiry of what
  expired and is still unspent (what the nightly job would write), so debits always come after
  every earlier expiry and "oldest first" stays exact; the nightly job only records what
  already holds. Unlocked reads (`balance`) count as of now: min(sum, credits not yet expired).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.db.copy_insert import any_of, insert_rows, table_of
from workbench.db.ids import saved_id
from workbench.errors import (
    InsufficientPoints,
    LimitExceeded,
    MemberNotActive,
    NotFound,
    ValidationError,
)
from workbench.members import rights

# Gifts --- the configured catalogue is parsed in members/gift_config.py (re-exported here).
from workbench.members.gift_config import Reward as Reward
from workbench.members.gift_config import load_rewards as load_rewards

# --- Gifts
from workbench.members.models import (
    Member,
    MemberStatus,
    PointsBalance,
    PointsEntry,
    PointsKind,
    Purchase,
)
from workbench.members.tiers import TierScheme

MONEY_LIMIT = Decimal("10000000")
LOCK_BATCH = 500  # members locked per statement (SQLite allows 32,766 bound values)
# The balance rows as a Core table, for executemany updates. SQLModel sets `__table__` on
# every `table=True` class, but its type stubs do not say so.
BALANCES: Table = PointsBalance.__table__  # type: ignore[attr-defined]


def add_years(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February
        return at.replace(year=at.year + years, day=28)


def checked_amount(amount: Decimal | int | str | float) -> Decimal:
    """An amount in yuan as stored (2 places), or a ValidationError."""
    try:
        amount = Decimal(amount).quantize(Decimal("0.01"))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError("amount", "must be an amount in yuan such as 128.50") from None
    if not (0 < amount < MONEY_LIMIT):
        raise ValidationError("amount", f"must be more than 0 and less than {MONEY_LIMIT}")
    return amount


@dataclass(frozen=True)
class PurchaseLine:
    """A purchase to record: by whom, how much, where, when, and its reference elsewhere."""

    member_id: int
    tier_code: str  # the member's tier now: it decides the points
    amount: Decimal
    store_id: int
    at: datetime | None = None
    external_ref: str | None = None


@dataclass(frozen=True)
class RecordedPurchase:
    purchase_id: int
    member_id: int
    amount: Decimal
    points_earned: int


@dataclass(frozen=True)
class ExpiringPoints:
    member_id: int
    points: int
    first_expiry: datetime


class PointsLedger:
    def __init__(
        self,
        *,
        clock: Clock,
        scheme: TierScheme,
        rewards: dict[str, Reward],
        expiry_years: int,
        redeem_daily_limit: int,
        redeem_step: int,
        day_start: Callable[[datetime], datetime],
    ) -> None:
        self.clock = clock
        self.scheme = scheme
        self.rewards = rewards
        self.expiry_years = expiry_years
        self.redeem_daily_limit = redeem_daily_limit
        self.redeem_step = redeem_step
        self._day_start = day_start  # the start of the local business day containing an instant

    # Reading -------------------------------------------------------------------------------
    def balance(self, session: Session, member_id: int) -> int:
        """The points the member may spend now: the sum of the lines less what has expired and
        is not recorded yet (see the module doc)."""
        total = session.scalar(
            select(func.coalesce(func.sum(col(PointsEntry.points)), 0)).where(
                col(PointsEntry.member_id) == member_id
            )
        )
        due = self._alive_by(session, self.clock.now(), member_id)
        return max(0, int(total or 0) - sum(alive for _m, alive, _first in due))

    def stored_balance(self, session: Session, member_id: int) -> int:
        """The member's stored ledger sum (0 before their first movement)."""
        stored = session.scalar(
            select(col(PointsBalance.balance)).where(col(PointsBalance.member_id) == member_id)
        )
        return int(stored or 0)

    def history(self, session: Session, member_id: int, limit: int = 50) -> list[PointsEntry]:
        query = (
            select(PointsEntry)
            .where(col(PointsEntry.member_id) == member_id)
            .order_by(col(PointsEntry.occurred_at).desc(), col(PointsEntry.id).desc())
            .limit(limit)
        )
        return list(session.scalars(query))

    def expiring_within(
        self, session: Session, days: int, member_id: int | None = None
    ) -> list[ExpiringPoints]:
        """Members whose points expire within `days`, with how many and the first expiry."""
        now = self.clock.now()
        horizon = now + timedelta(days=days)
        rows = self._alive_by(session, horizon, member_id, first_after=now)
        return [ExpiringPoints(m, alive, first) for m, alive, first in rows if alive > 0]

    def _alive_by(
        self,
        session: Session,
        horizon: datetime,
        member_id: int | None,
        first_after: datetime | None = None,
        among: Collection[int] | None = None,
    ) -> list[tuple[int, int, datetime]]:
        """(member, points alive among credits expiring by `horizon`, first such expiry), for
        one member, the members `among`, or everyone."""
        window = [col(PointsEntry.expires_at) <= horizon]
        if first_after is not None:
            window.append(col(PointsEntry.expires_at) > first_after)
        points = col(PointsEntry.points)
        movement = case(  # of the queue of credits expiring by `horizon` (see the module doc)
            (and_(points > 0, col(PointsEntry.expires_at) <= horizon), points),
            (points < 0, points),
            else_=0,
        )
        candidates = select(col(PointsEntry.member_id)).where(*window)
        if member_id is not None:
            candidates = candidates.where(col(PointsEntry.member_id) == member_id)
        if among is not None:
            candidates = candidates.where(col(PointsEntry.member_id).in_(among))
        lines = (
            select(
                col(PointsEntry.member_id).label("member_id"),
                movement.label("movement"),
                func.sum(movement)
                .over(partition_by=col(PointsEntry.member_id), order_by=col(PointsEntry.id))
                .label("running"),  # ids are in the order recorded: one member at a time
                case((and_(points > 0, *window), col(PointsEntry.expires_at))).label("expiry"),
            )
            .where(col(PointsEntry.member_id).in_(candidates.distinct()))
            .subquery()
        )
        lowest = func.min(lines.c.running)
        alive = func.sum(lines.c.movement) - case((lowest < 0, lowest), else_=0)
        query = (
            select(lines.c.member_id, alive, func.min(lines.c.expiry))
            .group_by(lines.c.member_id)
            .having(alive > 0)
            .order_by(lines.c.member_id)
        )
        return [(int(m), int(alive), first) for m, alive, first in session.execute(query)]

    # The member's ledger lock ----------------------------------------------------------------
    def _lock(
        self, session: Session, member_ids: Iterable[int], *, active: bool = True
    ) -> dict[int, int]:
        """Takes the ledger lock of each member, in member order (two batches never wait on
        each other), opening a balance row where there is none yet; returns the stored
        balances. `active`: refuses (MemberNotActive) a member who is not active as committed
        now, e.g. terminated by a transaction that held the lock before this one."""
        ids = sorted(set(member_ids))
        held: dict[int, int] = {}
        for start in range(0, len(ids), LOCK_BATCH):
            batch = ids[start : start + LOCK_BATCH]
            held.update(self._locked_rows(session, batch))
            missing = [m for m in batch if m not in held]
            if missing:
                self._open_balances(session, missing)
                held.update(self._locked_rows(session, missing))
        absent = [m for m in ids if m not in held]
        if absent:
            raise NotFound(f"no member with id {absent[0]}")
        if active:
            self._require_active_now(session, ids)
        return held

    def _locked_rows(self, session: Session, member_ids: Sequence[int]) -> dict[int, int]:
        rows = session.execute(
            select(col(PointsBalance.member_id), col(PointsBalance.balance))
            .where(any_of(session, col(PointsBalance.member_id), member_ids))
            .order_by(col(PointsBalance.member_id))
            .with_for_update()  # PostgreSQL; SQLite's transaction holds the write lock already
        )
        return {int(m): int(b) for m, b in rows}

    def _open_balances(self, session: Session, member_ids: Sequence[int]) -> None:
        """The balance rows of members who have none yet, holding the sum of their lines (none,
        unless written before the table existed). Two transactions opening the same row: the
        second waits for the first, then leaves it."""
        sum_of_lines = (
            select(func.coalesce(func.sum(col(PointsEntry.points)), 0))
            .where(col(PointsEntry.member_id) == col(Member.id))
            .scalar_subquery()
        )
        rows = (
            select(
                col(Member.id),
                sum_of_lines,
                literal(0),
                bindparam("now", self.clock.now(), type_=BALANCES.c.updated_at.type),
            )
            .where(any_of(session, col(Member.id), member_ids))
            .order_by(col(Member.id))
        )
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(PointsBalance)
            .from_select(["member_id", "balance", "version", "updated_at"], rows)
            .on_conflict_do_nothing(index_elements=["member_id"])
        )

    def _require_active_now(self, session: Session, member_ids: Sequence[int]) -> None:
        for start in range(0, len(member_ids), LOCK_BATCH):
            inactive = session.execute(
                select(col(Member.member_no), col(Member.status))
                .where(
                    col(Member.id).in_(member_ids[start : start + LOCK_BATCH]),
                    col(Member.status) != MemberStatus.ACTIVE,
                )
                .limit(1)
            ).first()
            if inactive is not None:
                rights.require_active_status(inactive[0], MemberStatus(inactive[1]))

    def _move(self, session: Session, deltas: dict[int, int]) -> None:
        """Adds each member's movement to their stored balance (whose lock this transaction
        holds): the database refuses one that would go below zero."""
        table = BALANCES
        moves = [{"m": m, "delta": d} for m, d in sorted(deltas.items()) if d]
        if not moves:
            return
        connection = session.connection()
        if connection.dialect.name == "postgresql" and len(moves) > 1:
            # One statement for the whole batch (an executemany sends one per member).
            connection.execute(
                text(
                    "UPDATE points_balance AS b SET balance = b.balance + v.delta, "
                    "version = b.version + 1, updated_at = :now "
                    "FROM unnest(CAST(:members AS bigint[]), CAST(:deltas AS bigint[])) "
                    "AS v(member_id, delta) WHERE b.member_id = v.member_id"
                ).bindparams(bindparam("now", type_=table.c.updated_at.type)),
                {
                    "now": self.clock.now(),
                    "members": [move["m"] for move in moves],
                    "deltas": [move["delta"] for move in moves],
                },
            )
            return
        connection.execute(
            update(table)
            .where(table.c.member_id == bindparam("m"))
            .values(
                balance=table.c.balance + bindparam("delta"),
                version=table.c.version + 1,
                updated_at=self.clock.now(),
            ),
            moves,
        )

    def _expire_locked(self, session: Session, member_ids: Collection[int]) -> dict[int, int]:
        """Records the expiry of what has expired and is still unspent, for members whose lock
        this transaction holds; the points expired per member."""
        now = self.clock.now()
        if len(member_ids) == 1:
            [only] = member_ids
            due = self._alive_by(session, now, only)
        else:
            due = self._alive_by(session, now, None, among=member_ids)
        expired = {member: alive for member, alive, _first in due if alive > 0}
        if expired:
            session.execute(
                insert(PointsEntry),
                [
                    {
                        "member_id": member,
                        "kind": PointsKind.EXPIRY.value,
                        "points": -alive,
                        "occurred_at": now,
                        "staff_id": None,
                        "detail": "",
                    }
                    for member, alive in expired.items()
                ],
            )
            self._move(session, {member: -alive for member, alive in expired.items()})
        return expired

    def _spendable_locked(self, session: Session, member_id: int, *, active: bool = True) -> int:
        """Takes the member's lock and records what expired: what remains may be spent now."""
        stored = self._lock(session, [member_id], active=active)[member_id]
        return stored - self._expire_locked(session, [member_id]).get(member_id, 0)

    # Writing -------------------------------------------------------------------------------
    def credit(
        self,
        session: Session,
        *,
        member_id: int,
        kind: PointsKind,
        points: int,
        staff_id: int | None = None,
        purchase_id: int | None = None,
        detail: str = "",
        at: datetime | None = None,
    ) -> PointsEntry:
        if points <= 0:
            raise ValidationError("points", "a credit must be a positive number of points")
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound(f"no member with id {member_id}")
        rights.require_active(member)  # nothing accrues to a settled (terminated) account
        self._lock(session, [member_id])
        return self._credit_locked(
            session,
            member_id=member_id,
            kind=kind,
            points=points,
            staff_id=staff_id,
            purchase_id=purchase_id,
            detail=detail,
            at=at,
        )

    def _credit_locked(
        self,
        session: Session,
        *,
        member_id: int,
        kind: PointsKind,
        points: int,
        staff_id: int | None,
        purchase_id: int | None,
        detail: str,
        at: datetime | None,
    ) -> PointsEntry:
        at = at or self.clock.now()
        entry = PointsEntry(
            member_id=member_id,
            kind=kind,
            points=points,
            occurred_at=at,
            expires_at=add_years(at, self.expiry_years),
            purchase_id=purchase_id,
            staff_id=staff_id,
            detail=detail,
        )
        session.add(entry)
        self._move(session, {member_id: points})
        return entry

    def _debit_locked(
        self,
        session: Session,
        *,
        member_id: int,
        kind: PointsKind,
        points: int,
        staff_id: int | None = None,
        detail: str = "",
    ) -> PointsEntry:
        entry = PointsEntry(
            member_id=member_id,
            kind=kind,
            points=-points,
            occurred_at=self.clock.now(),
            staff_id=staff_id,
            detail=detail,
        )
        session.add(entry)
        self._move(session, {member_id: -points})
        return entry

    def record_purchase(
        self,
        session: Session,
        *,
        member: Member,
        amount: Decimal,
        store_id: int,
        staff_id: int | None = None,
        at: datetime | None = None,
        external_ref: str | None = None,
        card_no: str | None = None,
    ) -> Purchase:
        """A purchase and the points it earns at the member's current tier. `card_no` is the
        card presented, if any: it must be usable (see workbench.members.rights)."""
        rights.may_earn(session, member, card_no)
        amount = checked_amount(amount)
        at = at or self.clock.now()
        points = self.scheme.get(member.tier_code).points_for(amount)
        self._lock(session, [saved_id(member)])
        purchase = Purchase(
            member_id=saved_id(member),
            store_id=store_id,
            amount=amount,
            occurred_at=at,
            points_earned=points,
            external_ref=external_ref,
        )
        session.add(purchase)
        session.flush()
        if points:
            self._credit_locked(
                session,
                member_id=saved_id(member),
                kind=PointsKind.PURCHASE,
                points=points,
                purchase_id=purchase.id,
                staff_id=staff_id,
                detail="",
                at=at,
            )
        return purchase

    def record_purchases(
        self, session: Session, *, lines: list[PurchaseLine], staff_id: int | None = None
    ) -> list[RecordedPurchase]:
        """Many purchases at once (orders taken from another system), each checked and earning
        points at its member's current tier like record_purchase's; written as two bulk
        inserts, not one object per row (half a million orders are a normal first import).
        Every member's ledger lock is taken first (one statement per 500 members)."""
        if not lines:
            return []
        members = {line.member_id for line in lines}
        self._lock(session, members, active=False)
        inactive = session.scalar(  # read under the locks: as committed now
            select(col(Member.member_no)).where(
                any_of(session, col(Member.id), members),
                col(Member.status) != MemberStatus.ACTIVE,
            )
        )
        if inactive is not None:  # the rule of workbench.members.rights, for a whole batch
            raise MemberNotActive(f"member {inactive} is not active: purchases earn no points")
        now = self.clock.now()
        rows: list[dict[str, Any]] = []  # the bulk insert's parameters, one per purchase
        for line in lines:
            amount = checked_amount(line.amount)
            rows.append(
                {
                    "member_id": line.member_id,
                    "store_id": line.store_id,
                    "amount": amount,
                    "occurred_at": line.at or now,
                    "external_ref": line.external_ref,
                    "points_earned": self.scheme.get(line.tier_code).points_for(amount),
                }
            )
        ids = insert_rows(session, table_of(Purchase), rows, ids=True)  # COPY on PostgreSQL
        credits = [
            {
                "member_id": row["member_id"],
                "kind": PointsKind.PURCHASE.value,
                "points": row["points_earned"],
                "occurred_at": row["occurred_at"],
                "expires_at": add_years(row["occurred_at"], self.expiry_years),
                "purchase_id": purchase_id,
                "staff_id": staff_id,
                "detail": "",
            }
            for row, purchase_id in zip(rows, ids, strict=True)
            if row["points_earned"]
        ]
        if credits:
            insert_rows(session, table_of(PointsEntry), credits)
            earned: dict[int, int] = {}
            for credit in credits:
                earned[credit["member_id"]] = earned.get(credit["member_id"], 0) + credit["points"]
            self._move(session, earned)
            # An order dated so long ago that its points expired already: expired at once.
            late = sorted({c["member_id"] for c in credits if c["expires_at"] <= now})
            for start in range(0, len(late), LOCK_BATCH):
                self._expire_locked(session, late[start : start + LOCK_BATCH])
        return [
            RecordedPurchase(purchase_id, row["member_id"], row["amount"], row["points_earned"])
            for row, purchase_id in zip(rows, ids, strict=True)
        ]

    # Gifts --- a redemption is priced by the gift catalogue (members/gifts.py), which adds
    # the stock, per-item and tier checks under the member's lock and the item's.
    def redeem(
        self,
        session: Session,
        *,
        member: Member,
        reward_code: str,
        quantity: int = 1,
        staff_id: int | None = None,
        card_no: str | None = None,
    ) -> PointsEntry:
        """Spend points on a catalogue item: GiftCatalogue.redeem (which also gives the voucher
        codes), for callers that need only the ledger line."""
        from workbench.members.gifts import GiftCatalogue  # it builds on this module

        redeemed = GiftCatalogue(self).redeem(
            session,
            member=member,
            code=reward_code,
            quantity=quantity,
            staff_id=staff_id,
            card_no=card_no,
        )
        return redeemed.entry

    def spendable_for_redemption(self, session: Session, member_id: int, points: int) -> int:
        """Takes the member's lock and checks a redemption of `points` against the step, what
        may be spent now and the daily limit (a second till waits, then sees this one); the
        points spendable before it."""
        if points % self.redeem_step:
            raise ValidationError("points", f"redemptions go in steps of {self.redeem_step} points")
        balance = self._spendable_locked(session, member_id)
        if points > balance:
            raise InsufficientPoints(f"needs {points} points; the balance is {balance}")
        today = self._redeemed_today(session, member_id)
        if today + points > self.redeem_daily_limit:
            raise LimitExceeded(
                f"daily redemption limit is {self.redeem_daily_limit} points; "
                f"{today} already redeemed today"
            )
        return balance

    # --- Gifts
    def adjust(
        self, session: Session, *, member: Member, points: int, staff_id: int | None, detail: str
    ) -> PointsEntry:
        """A correction by hand, either way: a credit that expires like any other, or a debit
        of at most what may be spent now. Who may, and the audit, are the registry's
        (MemberRegistry.adjust_points)."""
        if points == 0:
            raise ValidationError("points", "an adjustment is a number of points other than 0")
        rights.require_active(member)
        member_id = saved_id(member)
        if points > 0:
            self._lock(session, [member_id])
            return self._credit_locked(
                session,
                member_id=member_id,
                kind=PointsKind.ADJUSTMENT,
                points=points,
                staff_id=staff_id,
                purchase_id=None,
                detail=detail,
                at=None,
            )
        balance = self._spendable_locked(session, member_id)
        if -points > balance:
            raise InsufficientPoints(
                f"the adjustment takes {-points} points; the balance is {balance}"
            )
        return self._debit_locked(
            session,
            member_id=member_id,
            kind=PointsKind.ADJUSTMENT,
            points=-points,
            staff_id=staff_id,
            detail=detail,
        )

    def _redeemed_today(self, session: Session, member_id: int) -> int:
        """Under the member's lock: so two tills cannot both pass the daily limit."""
        since = self._day_start(self.clock.now())
        total = session.execute(
            select(func.coalesce(func.sum(-col(PointsEntry.points)), 0)).where(
                col(PointsEntry.member_id) == member_id,
                col(PointsEntry.kind) == PointsKind.REDEMPTION,
                col(PointsEntry.occurred_at) >= since,
            )
        ).scalar_one()
        return int(total)

    def expire_due(self, session: Session, member_id: int | None = None) -> int:
        """Write an expiry line for every member with points past their expiry. Idempotent:
        the expiry lines are debits, so a second run finds nothing left to expire. Each
        member's lock is taken (500 at a time, in member order) and what is due worked out
        again under it: a redemption that got there first already recorded its part."""
        due = [
            member
            for member, _alive, _first in self._alive_by(session, self.clock.now(), member_id)
        ]
        expired = 0
        for start in range(0, len(due), LOCK_BATCH):
            batch = due[start : start + LOCK_BATCH]
            self._lock(session, batch, active=False)
            expired += sum(self._expire_locked(session, batch).values())
        return expired

    def settle(self, session: Session, *, member_id: int, staff_id: int | None, detail: str) -> int:
        """Close the account at termination: the remaining balance is settled to zero."""
        remaining = self._spendable_locked(session, member_id, active=False)
        if remaining > 0:
            self._debit_locked(
                session,
                member_id=member_id,
                kind=PointsKind.SETTLEMENT,
                points=remaining,
                staff_id=staff_id,
                detail=detail,
            )
        return remaining

    # Returns ---------------------------------------------------------------------------------
    def lock_for_return(self, session: Session, member_id: int) -> int:
        """Takes the member's ledger lock for a return (workbench.members.returns) and records
        what expired: the points that may be taken back now. A terminated member's account was
        settled: nothing is left to take, but the return itself is still recorded."""
        return self._spendable_locked(session, member_id, active=False)

    def take_back_locked(
        self,
        session: Session,
        *,
        member_id: int,
        purchase_id: int,
        points: int,
        staff_id: int | None,
        detail: str,
    ) -> PointsEntry:
        """Under the lock of lock_for_return: the debit of points a returned purchase earned
        (at most what lock_for_return said may be taken), linked to that purchase."""
        if points <= 0:
            raise ValidationError("points", "a return takes back a positive number of points")
        entry = self._debit_locked(
            session,
            member_id=member_id,
            kind=PointsKind.RETURN,
            points=points,
            staff_id=staff_id,
            detail=detail,
        )
        entry.purchase_id = purchase_id
        return entry
