"""The points ledger against a simple model (issue 23): purchases and returns at the till,
redemptions, adjustments, the clock moving forward, the nightly expiry and termination, in any
order. The model keeps each credit as a lot consumed first to expire first and dropped at its
expiry; the ledger must agree on what may be spent at every instant, on what each return takes
back and what it falls short, and on what is refused; its stored balance must stay the sum of
its lines, and a replay of the lines must show no expired point spent and none expired twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from tests.conftest import START
from tests.factories import application, fake_id_number
from workbench.errors import (
    InsufficientPoints,
    InvalidState,
    LimitExceeded,
    MemberNotActive,
    ValidationError,
)
from workbench.members.models import PointsEntry, PointsKind
from workbench.members.points import PurchaseLine, add_years
from workbench.usecases.base import UnitOfWork

CENT = Decimal("0.01")


@dataclass
class ModelPurchase:
    receipt: str
    amount: Decimal
    earned: int
    returned: Decimal = Decimal("0.00")

    def due(self, amount: Decimal) -> int:
        """What a return of `amount` takes back: the share of the points earned up to the
        running total returned, less the share up to the last return (in fen, rounded down),
        so that the returns of a whole purchase take back exactly what it earned."""
        total, before, after = (
            int(x * 100) for x in (self.amount, self.returned, self.returned + amount)
        )
        return self.earned * after // total - self.earned * before // total


class LedgerModel:
    """Lots [expires at, points left], first to expire first; the sum the lines should hold."""

    def __init__(self, expiry_years: int) -> None:
        self.expiry_years = expiry_years
        self.lots: list[list] = []
        self.ledger_sum = 0
        self.redeemed: list[tuple[datetime, int]] = []
        self.purchases: list[ModelPurchase] = []
        self.active = True

    def spendable(self, now: datetime) -> int:
        return sum(left for expires, left in self.lots if expires > now)

    def record_expiry(self, now: datetime) -> int:
        expired = 0
        for lot in self.lots:
            if lot[0] <= now:
                expired += lot[1]
                lot[1] = 0
        self.ledger_sum -= expired
        return expired

    def credit(self, points: int, at: datetime) -> None:
        self.lots.append([add_years(at, self.expiry_years), points])
        self.lots.sort(key=lambda lot: lot[0])
        self.ledger_sum += points

    def debit(self, points: int, now: datetime) -> None:
        self.record_expiry(now)
        self.ledger_sum -= points
        for lot in self.lots:
            taken = min(lot[1], points)
            lot[1] -= taken
            points -= taken
        assert points == 0


def replayed(lines: list[PointsEntry], now: datetime) -> int:
    """Replays a member's lines in the order recorded, each credit a lot and each debit taking
    from the lots recorded before it, first to expire first. An expiry line must take exactly
    what had expired and was unspent (never a point twice); any other debit must come after
    every expiry due (never an expired point spent). Returns what may be spent now."""
    lots: list[list] = []  # [expires at, points left]
    for line in sorted(lines, key=lambda line: line.id or 0):
        if line.points > 0:
            lots.append([_aware(line.expires_at), line.points])
            lots.sort(key=lambda lot: lot[0])
            continue
        at = _aware(line.occurred_at)
        due = sum(left for expires, left in lots if expires <= at)
        if line.kind == PointsKind.EXPIRY:
            assert -line.points == due, f"an expiry of {-line.points} at {at}; {due} were due"
        else:
            assert due == 0, f"a {line.kind} at {at} before the expiry of {due} points"
        taken = -line.points
        for lot in lots:
            step = min(lot[1], taken)
            lot[1] -= step
            taken -= step
        assert taken == 0, f"a {line.kind} of more than the lots held"
    return sum(left for expires, left in lots if expires > now)


def _aware(at: datetime | None) -> datetime:
    """SQLite gives naive UTC datetimes back."""
    assert at is not None, "a credit without its expiry"
    return at if at.tzinfo else at.replace(tzinfo=START.tzinfo)


def test_the_ledger_agrees_with_the_model(wb, people, clock):
    ledger, registry, till = wb.ledger, wb.registry, wb.usecases.till
    uow = UnitOfWork(wb.sessions)
    members = count()  # one member per example, hundreds when a failure is shrunk
    slips = count()  # receipts and return slips are the store's: unique across examples
    cashier, store = people.supervisor, people.store.code  # staff of no store name the till's

    class Ledger(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            clock.set(START)
            self.model = LedgerModel(ledger.expiry_years)
            with uow.write() as session:
                n = next(members)
                born = date(1960, 1, 1) + timedelta(days=n // 400)  # 400 serials a birthday
                unique = application(id_number=fake_id_number(f"{born:%Y%m%d}", serial=n))
                member = registry.apply(session, application=unique, actor=people.sales)
                registry.approve(session, member_no=member.member_no, actor=people.agent)
                self.member_no, self.member_id = member.member_no, member.id
                self.tier = member.tier_code

        def refused_for(self, points: int, now: datetime) -> type[Exception] | None:
            if not self.model.active:
                return MemberNotActive
            if points > self.model.spendable(now):
                return InsufficientPoints
            return None

        @rule(amount=st.decimals(min_value=Decimal("0.01"), max_value=4000, places=2))
        def purchase(self, amount: Decimal) -> None:
            now = clock.now()
            receipt = f"R-{next(slips)}"
            with pytest.raises(MemberNotActive) if not self.model.active else _nothing():
                done = till.record_purchase(cashier, self.member_no, amount, receipt, store)
                points = wb.scheme.get(self.tier).points_for(amount)
                if points:
                    self.model.credit(points, now)
                self.model.purchases.append(ModelPurchase(receipt, amount, points))
                assert (done.points_earned, done.repeated) == (points, False)
                assert done.balance == self.model.spendable(now)

        @rule(
            amount=st.decimals(min_value=1, max_value=4000, places=2),
            days_back=st.integers(0, 1000),
        )
        def odoo_order(self, amount: Decimal, days_back: int) -> None:
            """An order from Odoo, dated up to ~3 years back: a late credit, perhaps expired
            already (then expired at once), perhaps expiring before the lots already held."""
            now = clock.now()
            at = now - timedelta(days=days_back)
            ref = f"odoo:sale.order:{next(slips)}"
            with pytest.raises(MemberNotActive) if not self.model.active else _nothing():
                with uow.write() as session:
                    [done] = ledger.record_purchases(
                        session,
                        lines=[
                            PurchaseLine(
                                self.member_id, self.tier, amount, people.store.id, at, ref
                            )
                        ],
                    )
                points = wb.scheme.get(self.tier).points_for(amount)
                assert done.points_earned == points
                if points:
                    self.model.credit(points, at)
                    if add_years(at, self.model.expiry_years) <= now:
                        event("an order whose points had expired")
                        self.model.record_expiry(now)
                self.model.purchases.append(ModelPurchase(ref, amount, points))

        @rule(
            which=st.integers(0, 1000),
            part=st.one_of(
                st.just("rest"),  # a cancellation, or the return of what is left
                st.just("beyond"),  # a cent more than is left: refused
                st.integers(1, 99),  # that percentage of what is left
            ),
        )
        def return_part(self, which: int, part: str | int) -> None:
            """A return at the till: it takes back the share of points the returned part
            earned, as far as they may be spent now; the rest is its shortfall. A terminated
            member's return is still recorded: their account was settled, nothing is taken."""
            if not self.model.purchases:
                return
            now = clock.now()
            bought = self.model.purchases[which % len(self.model.purchases)]
            rest = bought.amount - bought.returned
            if part == "rest":
                amount = rest
            elif part == "beyond":
                amount = rest + CENT
            else:
                amount = (rest * int(part) / 100).quantize(CENT)
            refused = amount <= 0 or amount > rest
            if refused:
                event("a return refused")
            with pytest.raises(ValidationError) if refused else _nothing():
                done = till.record_return(
                    cashier, bought.receipt, amount, f"RT-{next(slips)}", store
                )
                self.model.record_expiry(now)  # under the lock, before what may be taken
                due = bought.due(amount)
                taken = min(due, self.model.spendable(now))
                if taken:
                    self.model.debit(taken, now)
                bought.returned += amount
                event("a return, terminated" if not self.model.active else "a return")
                if due > taken:
                    event("a return short of points")
                assert (done.points_reversed, done.points_shortfall) == (taken, due - taken)
                assert (done.returned_total, done.repeated) == (bought.returned, False)
                assert done.balance == self.model.spendable(now)

        # The rewards the model knows the rules of: no stock, tier or per-item limits.
        plain = sorted(
            code
            for code, r in ledger.rewards.items()
            if (r.stock, r.min_tier, r.daily_limit, r.total_limit) == (None, None, None, None)
        )

        @rule(reward=st.sampled_from(plain), quantity=st.integers(1, 3))
        def redeem(self, reward: str, quantity: int) -> None:
            now = clock.now()
            points = ledger.rewards[reward].points * quantity
            refusal = self.refused_for(points, now)
            today = sum(p for at, p in self.model.redeemed if at >= ledger._day_start(now))
            if refusal is None and today + points > ledger.redeem_daily_limit:
                refusal = LimitExceeded
            with pytest.raises(refusal) if refusal else _nothing():
                with uow.write() as session:
                    member = registry.get(session, self.member_no)
                    ledger.redeem(session, member=member, reward_code=reward, quantity=quantity)
                self.model.debit(points, now)
                self.model.redeemed.append((now, points))

        @rule(points=st.integers(-3000, 3000).filter(bool))
        def adjust(self, points: int) -> None:
            now = clock.now()
            refusal = self.refused_for(-points, now) if points < 0 else None
            if not self.model.active:
                refusal = MemberNotActive
            with pytest.raises(refusal) if refusal else _nothing():
                with uow.write() as session:
                    registry.adjust_points(
                        session,
                        member_no=self.member_no,
                        points=points,
                        reason="model",
                        actor=people.supervisor,
                    )
                if points > 0:
                    self.model.credit(points, now)
                else:
                    self.model.debit(-points, now)

        # Hours and days (the daily redemption limit), or most of a year or two (expiries).
        @rule(days=st.integers(0, 30) | st.integers(300, 800), hours=st.integers(0, 23))
        def time_passes(self, days: int, hours: int) -> None:
            clock.advance(days=days, hours=hours)

        @rule()
        def nightly_expiry(self) -> None:
            with uow.write() as session:
                expired = ledger.expire_due(session, self.member_id)
            assert expired == self.model.record_expiry(clock.now())
            if expired:
                event("points expired at night")

        @rule()
        def terminate(self) -> None:
            """Voluntary: at once, the rest settled to 0. A second time is refused."""
            now = clock.now()
            with pytest.raises(InvalidState) if not self.model.active else _nothing():
                with uow.write() as session:
                    registry.terminate(
                        session, member_no=self.member_no, reason="voluntary", actor=people.agent
                    )
                self.model.record_expiry(now)
                self.model.debit(self.model.spendable(now), now)
                self.model.active = False

        @invariant()
        def agrees_with_the_model(self) -> None:
            now = clock.now()
            with uow.read() as session:
                spendable = ledger.balance(session, self.member_id)
                stored = ledger.stored_balance(session, self.member_id)
                lines = list(
                    session.scalars(
                        select(PointsEntry).where(PointsEntry.member_id == self.member_id)
                    )
                )
            assert spendable == self.model.spendable(now) == replayed(lines, now)
            assert stored == sum(line.points for line in lines) == self.model.ledger_sum >= 0
            if not self.model.active:
                assert stored == spendable == 0

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


class _nothing:
    """A context manager that expects nothing (pytest.raises' counterpart)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None  # never swallows the exception
