"""The points ledger: earning by tier, redemption limits, expiry oldest first."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from workbench.errors import InsufficientPoints, LimitExceeded, ValidationError
from workbench.members.models import PointsEntry, PointsKind


def _member(wb, session, member_no):
    return wb.registry.get(session, member_no)


def test_purchase_earns_points_by_tier(wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = _member(wb, session, member_no)
        p1 = wb.ledger.record_purchase(session, member=member, amount=Decimal("99.99"), store_id=1)
        member.tier_code = "gold"
        p2 = wb.ledger.record_purchase(session, member=member, amount=Decimal("100.50"), store_id=1)
        session.commit()
        assert (p1.points_earned, p2.points_earned) == (99, 300)
        assert wb.ledger.balance(session, member.id) == 399
        stored = session.get(type(p1), p1.id)
        assert stored.amount == Decimal("99.99")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "10000000"])
def test_bad_purchase_amount_is_refused(wb, people, active_member, amount):
    member_no, _ = active_member
    with wb.sessions() as session, pytest.raises(ValidationError, match="amount"):
        wb.ledger.record_purchase(
            session, member=_member(wb, session, member_no), amount=amount, store_id=1
        )


def test_balance_is_the_sum_of_the_ledger(wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = _member(wb, session, member_no)
        for amount in ("500", "700", "800"):
            wb.ledger.record_purchase(session, member=member, amount=Decimal(amount), store_id=1)
        wb.ledger.credit(
            session, member_id=member.id, kind=PointsKind.ACTIVITY, points=50, detail="open day"
        )
        wb.ledger.redeem(session, member=member, reward_code="gift-100")
        session.commit()
        total = session.scalar(
            select(func.sum(PointsEntry.points)).where(PointsEntry.member_id == member.id)
        )
        assert wb.ledger.balance(session, member.id) == total == 2000 + 50 - 1000


def test_redemption_rules(wb, people, active_member, clock):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = _member(wb, session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("15000"), store_id=1)
        with pytest.raises(ValidationError, match="unknown reward"):
            wb.ledger.redeem(session, member=member, reward_code="yacht")
        with pytest.raises(ValidationError, match="quantity"):
            wb.ledger.redeem(session, member=member, reward_code="gift-100", quantity=0)
        wb.ledger.redeem(session, member=member, reward_code="gift-100", quantity=9)
        session.flush()
        # 9,000 redeemed today; the daily limit is 10,000.
        with pytest.raises(LimitExceeded, match="10000"):
            wb.ledger.redeem(session, member=member, reward_code="gift-100", quantity=2)
        wb.ledger.redeem(session, member=member, reward_code="voucher-50", quantity=2)
        session.flush()
        # Local midnight in Shanghai opens a new day.
        clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
        with pytest.raises(InsufficientPoints, match="balance is 5000"):
            wb.ledger.redeem(session, member=member, reward_code="gift-100", quantity=6)
        wb.ledger.redeem(session, member=member, reward_code="gift-100", quantity=5)
        session.commit()
        assert wb.ledger.balance(session, member.id) == 0


def test_expiry_is_oldest_first_and_idempotent(wb, people, active_member, clock):
    member_no, _ = active_member
    start = clock.now()
    with wb.sessions() as session:
        member = _member(wb, session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("1000"), store_id=1)
        clock.advance(days=100)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("500"), store_id=1)
        clock.advance(days=10)
        wb.ledger.redeem(session, member=member, reward_code="voucher-50", quantity=1)  # 500
        session.commit()
        # Two years after the first purchase: its 1000 points less the 500 redeemed expire.
        clock.set(start.replace(year=start.year + 2) + timedelta(seconds=1))
        assert wb.ledger.expire_due(session) == 500
        session.commit()
        assert wb.ledger.expire_due(session) == 0
        assert wb.ledger.balance(session, member.id) == 500
        clock.advance(days=100)
        assert wb.ledger.expire_due(session) == 500
        session.commit()
        assert wb.ledger.balance(session, member.id) == 0


def test_points_expiring_within_30_days(wb, people, active_member, clock):
    member_no, _ = active_member
    start = clock.now()
    with wb.sessions() as session:
        member = _member(wb, session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("300"), store_id=1)
        clock.advance(days=60)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("200"), store_id=1)
        session.commit()
        first_expiry = start.replace(year=start.year + 2)
        clock.set(first_expiry - timedelta(days=31))
        assert wb.ledger.expiring_within(session, 30) == []
        clock.set(first_expiry - timedelta(days=30))
        [soon] = wb.ledger.expiring_within(session, 30)
        assert (soon.member_id, soon.points, soon.first_expiry) == (member.id, 300, first_expiry)
        wb.ledger.redeem(session, member=member, reward_code="voucher-20")
        session.commit()
        [soon] = wb.ledger.expiring_within(session, 30)
        assert soon.points == 100
        assert wb.ledger.expiring_within(session, 30, member_id=member.id + 1000) == []


def test_29_february_expiry(wb, people, active_member, clock):
    member_no, _ = active_member
    clock.set(datetime(2028, 2, 29, 4, 0, tzinfo=UTC))
    with wb.sessions() as session:
        member = _member(wb, session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("10"), store_id=1)
        session.commit()
        [entry] = wb.ledger.history(session, member.id)
        assert entry.expires_at == datetime(2030, 2, 28, 4, 0, tzinfo=UTC)
