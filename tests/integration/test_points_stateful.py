"""The points ledger against a simple model (issue 23): purchases, redemptions, adjustments,
the clock moving forward, the nightly expiry and termination, in any order. The model keeps
each credit as a lot consumed oldest first and dropped at its expiry; the ledger must agree
on what may be spent at every instant, and its stored balance must stay the sum of its lines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from tests.conftest import START
from tests.factories import application, fake_id_number
from workbench.errors import InsufficientPoints, LimitExceeded, MemberNotActive
from workbench.members.models import PointsEntry
from workbench.members.points import add_years
from workbench.usecases.base import UnitOfWork


class LedgerModel:
    """Lots [expires at, points left], oldest first; the sum the ledger's lines should hold."""

    def __init__(self, expiry_years: int) -> None:
        self.expiry_years = expiry_years
        self.lots: list[list] = []
        self.ledger_sum = 0
        self.redeemed: list[tuple[datetime, int]] = []
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

    def credit(self, points: int, now: datetime) -> None:
        self.lots.append([add_years(now, self.expiry_years), points])
        self.ledger_sum += points

    def debit(self, points: int, now: datetime) -> None:
        self.record_expiry(now)
        self.ledger_sum -= points
        for lot in self.lots:
            taken = min(lot[1], points)
            lot[1] -= taken
            points -= taken
        assert points == 0


def test_the_ledger_agrees_with_the_model(wb, people, clock):
    ledger, registry = wb.ledger, wb.registry
    uow = UnitOfWork(wb.sessions)
    members = count()  # one member per example, hundreds when a failure is shrunk

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

        @rule(amount=st.decimals(min_value=1, max_value=4000, places=2))
        def purchase(self, amount: Decimal) -> None:
            now = clock.now()
            with pytest.raises(MemberNotActive) if not self.model.active else _nothing():
                with uow.write() as session:
                    member = registry.get(session, self.member_no)
                    ledger.record_purchase(session, member=member, amount=amount, store_id=1)
                points = wb.scheme.get(self.tier).points_for(amount)
                if points:
                    self.model.credit(points, now)

        @rule(reward=st.sampled_from(sorted(ledger.rewards)), quantity=st.integers(1, 3))
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

        @rule(days=st.integers(0, 400), hours=st.integers(0, 23))
        def time_passes(self, days: int, hours: int) -> None:
            clock.advance(days=days, hours=hours)

        @rule()
        def nightly_expiry(self) -> None:
            with uow.write() as session:
                expired = ledger.expire_due(session, self.member_id)
            assert expired == self.model.record_expiry(clock.now())

        @rule()
        def terminate(self) -> None:
            if not self.model.active:
                return
            with uow.write() as session:
                registry.terminate(
                    session, member_no=self.member_no, reason="voluntary", actor=people.agent
                )
            self.model.record_expiry(clock.now())
            self.model.debit(self.model.spendable(clock.now()), clock.now())
            self.model.active = False

        @invariant()
        def agrees_with_the_model(self) -> None:
            with uow.read() as session:
                spendable = ledger.balance(session, self.member_id)
                stored = ledger.stored_balance(session, self.member_id)
                lines = session.scalar(
                    select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                        PointsEntry.member_id == self.member_id
                    )
                )
            assert spendable == self.model.spendable(clock.now())
            assert stored == lines == self.model.ledger_sum >= 0

    run_state_machine_as_test(
        Ledger,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


class _nothing:
    """A context manager that expects nothing (pytest.raises' counterpart)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False
