"""Late credits (issue 23): an Odoo import can record a purchase dated in the past, after points
were already spent or expired. Such a credit takes its place among the member's lots by its own
expiry: already past, it is expired at once and never spendable; earlier than the other lots', it
is the first consumed by later debits and expires at its own date. Debits recorded before it never
consumed it. Through all of it the stored balance is the sum of the lines, no expired point is
spent and none expires twice (`replayed`, the stateful model's check of every line)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.conftest import START
from tests.integration.test_points_stateful import replayed
from workbench.errors import InsufficientPoints
from workbench.members.models import PointsEntry, PointsKind
from workbench.members.points import PurchaseLine, add_years
from workbench.usecases.base import UnitOfWork

DAY = timedelta(days=1)


@pytest.fixture
def member(wb, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        found = wb.registry.get(session, member_no)
        return found.member_no, found.id, found.tier_code


def import_purchase(wb, member, amount: str, at: datetime) -> None:
    """An order from Odoo dated `at` (1 point a yuan at the base tier)."""
    _no, member_id, tier = member
    with UnitOfWork(wb.sessions).write() as session:
        [done] = wb.ledger.record_purchases(
            session,
            lines=[PurchaseLine(member_id, tier, Decimal(amount), store_id=1, at=at)],
        )
    assert done.points_earned == int(Decimal(amount))


def spend(wb, member, points: int, people) -> None:
    """A debit at the till's path of a correction: what a redemption does, without its steps."""
    member_no, _id, _tier = member
    with UnitOfWork(wb.sessions).write() as session:
        wb.registry.adjust_points(
            session, member_no=member_no, points=-points, reason="spent", actor=people.supervisor
        )


def history(wb, member) -> list[PointsEntry]:
    with wb.sessions() as session:
        return wb.ledger.history(session, member[1])


def expire(wb, member) -> int:
    with UnitOfWork(wb.sessions).write() as session:
        return int(wb.ledger.expire_due(session, member[1]))


def state(wb, member) -> tuple[int, int]:
    """(spendable now, stored balance), after checking every line (see `replayed`)."""
    with wb.sessions() as session:
        lines = session.scalars(
            select(PointsEntry)
            .where(PointsEntry.member_id == member[1])
            .order_by(col(PointsEntry.id))  # the order they were recorded in
        ).all()
        spendable = wb.ledger.balance(session, member[1])
        stored = wb.ledger.stored_balance(session, member[1])
    assert stored == sum(line.points for line in lines) >= 0
    assert spendable == replayed(lines, wb.clock.now())
    return spendable, stored


def test_a_late_credit_already_expired_is_never_spendable(wb, people, member, clock):
    import_purchase(wb, member, "300", START)
    spend(wb, member, 300, people)  # everything earned so far is spent
    years = wb.ledger.expiry_years
    # An order of long ago arrives: its points expired before it was recorded.
    import_purchase(wb, member, "200", add_years(START, -years) - DAY)
    assert state(wb, member) == (0, 0)  # its expiry recorded by the import itself
    assert [e.points for e in history(wb, member) if e.kind == PointsKind.EXPIRY] == [-200]
    with pytest.raises(InsufficientPoints):
        spend(wb, member, 1, people)
    assert expire(wb, member) == 0  # the nightly job finds nothing more
    assert state(wb, member) == (0, 0)


def test_a_late_credit_expired_beside_live_points(wb, people, member, clock):
    import_purchase(wb, member, "100", START)
    years = wb.ledger.expiry_years
    import_purchase(wb, member, "50", add_years(START, -years) - DAY)
    assert state(wb, member) == (100, 100)
    assert expire(wb, member) == 0
    spend(wb, member, 100, people)
    assert state(wb, member) == (0, 0)


def test_a_late_credit_expiring_first_is_consumed_first(wb, people, member, clock):
    years = wb.ledger.expiry_years
    import_purchase(wb, member, "100", START)  # lot A, expires START + years
    clock.advance(days=200)
    spend(wb, member, 60, people)  # from A: 40 left
    # An order dated 100 days before A arrives: lot B, 80 points, expiring before A.
    late = START - 100 * DAY
    import_purchase(wb, member, "80", late)
    assert state(wb, member) == (120, 120)
    spend(wb, member, 30, people)  # from B first: B 50, A 40
    assert state(wb, member) == (90, 90)
    clock.set(add_years(late, years))  # B's own expiry
    assert state(wb, member)[0] == 40
    assert expire(wb, member) == 50
    assert expire(wb, member) == 0
    assert state(wb, member) == (40, 40)
    clock.set(add_years(START, years))  # A's
    assert expire(wb, member) == 40
    assert state(wb, member) == (0, 0)


def test_debits_before_a_late_credit_never_consumed_it(wb, people, member, clock):
    """The points spent before the order arrived came from the lots there then: the late lot
    expires whole at its own date, not at the later lots' date."""
    years = wb.ledger.expiry_years
    import_purchase(wb, member, "100", START)  # lot A
    clock.advance(days=10)
    spend(wb, member, 100, people)  # A spent
    late = START - 100 * DAY
    import_purchase(wb, member, "70", late)  # lot B, expiring before A would have
    assert state(wb, member) == (70, 70)
    clock.set(add_years(late, years) + DAY)
    assert state(wb, member) == (0, 70)
    with pytest.raises(InsufficientPoints):  # refused, and its transaction undone
        spend(wb, member, 10, people)
    assert state(wb, member) == (0, 70)
    assert expire(wb, member) == 70
    assert state(wb, member) == (0, 0)
    clock.set(add_years(START, years) + DAY)
    assert expire(wb, member) == 0
    assert state(wb, member) == (0, 0)


def test_a_late_credit_among_expiries_already_recorded(wb, people, member, clock):
    """Points that expired and were recorded as expired stay expired; a late lot after them
    is counted on its own and expires once."""
    years = wb.ledger.expiry_years
    import_purchase(wb, member, "100", START)
    clock.set(add_years(START, years) + DAY)
    assert expire(wb, member) == 100
    import_purchase(wb, member, "40", START - 10 * DAY)  # expired too, arrived late
    import_purchase(wb, member, "30", clock.now() - 10 * DAY)  # live
    assert state(wb, member) == (30, 30)
    assert expire(wb, member) == 0
    assert state(wb, member) == (30, 30)
    spend(wb, member, 30, people)
    assert state(wb, member) == (0, 0)
