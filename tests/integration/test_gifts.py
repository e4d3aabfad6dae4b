"""The gift catalogue, redemption against it, activity credits, the ledger statement and the
referral top-up at promotion (issue 22 item 5), through the use cases, on both backends."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import application
from workbench.audit.models import AuditEntry
from workbench.errors import (
    CardNotUsable,
    InsufficientPoints,
    InvalidState,
    LimitExceeded,
    PermissionDenied,
    ValidationError,
)
from workbench.members.gift_config import GiftKind, Reward
from workbench.members.gifts import GiftItem, GiftRedemption, GiftVoucher, voucher_digest
from workbench.members.models import PointsEntry, PointsKind
from workbench.usecases.base import UnitOfWork
from workbench.usecases.member_refs import UnknownMember


def new_member(wb, people, points: int = 0, **overrides) -> tuple[str, int]:
    """An approved member holding `points` (an activity credit now); (member_no, id)."""
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.apply(
            session, application=application(**overrides), actor=people.sales
        )
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        if points:
            wb.ledger.credit(session, member_id=member.id, kind=PointsKind.ACTIVITY, points=points)
        return member.member_no, member.id


def lines_of(wb, member_id: int) -> int:
    with wb.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(PointsEntry).where(PointsEntry.member_id == member_id)
        )


def gift(code: str, points: int = 500, **fields) -> Reward:
    return Reward(code, f"礼品 {code}", f"gift {code}", points, **fields)


@pytest.fixture
def desk(wb, people):
    wb.usecases.points.import_gifts(people.supervisor)
    return wb.usecases.points


def test_the_catalogue_is_imported_once_and_managed_by_supervisors(wb, people):
    desk = wb.usecases.points
    first = desk.import_gifts(people.supervisor)
    assert first.added == 5 and first.updated == 0
    again = desk.import_gifts(people.admin)
    assert (again.added, again.updated) == (0, 0)
    with pytest.raises(PermissionDenied):
        desk.import_gifts(people.agent)
    codes = [g.code for g in desk.gifts(people.agent)]
    assert codes == ["voucher-20", "voucher-50", "birthday-cake", "gift-100", "tea-set"]
    tea = next(g for g in desk.gifts(people.sales) if g.code == "tea-set")
    assert (tea.stock, tea.min_tier, tea.daily_limit) == (40, "gold", 1)

    added = desk.add_gift(people.supervisor, gift("umbrella", 300, stock=2))
    assert added.stock == 2 and added.kind == "gift"
    with pytest.raises(ValidationError, match="already has"):
        desk.add_gift(people.supervisor, gift("umbrella"))
    with pytest.raises(ValidationError, match="min_tier"):
        desk.add_gift(people.supervisor, gift("hat", min_tier="emperor"))
    with pytest.raises(PermissionDenied):
        desk.add_gift(people.sales, gift("hat"))
    assert desk.restock(people.supervisor, "umbrella", 5).stock == 7
    assert desk.restock(people.supervisor, "umbrella", -3).stock == 4
    with pytest.raises(ValidationError, match="only 4 in stock"):
        desk.restock(people.supervisor, "umbrella", -5)
    with pytest.raises(InvalidState, match="unlimited"):
        desk.restock(people.supervisor, "gift-100", 1)
    assert desk.retire(people.admin, "umbrella").active is False
    with pytest.raises(InvalidState, match="already retired"):
        desk.retire(people.admin, "umbrella")
    assert "umbrella" not in [g.code for g in desk.gifts(people.agent)]
    assert "umbrella" in [g.code for g in desk.gifts(people.agent, include_retired=True)]
    with wb.sessions() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert {"gift_import", "gift_added", "gift_stock", "gift_retired"} <= set(actions)


def test_redeem_ok_debits_and_records_the_line(wb, people, desk):
    member_no, member_id = new_member(wb, people, 5000)
    done = desk.redeem(people.agent, member_no, "gift-100", 2)
    assert (done.points, done.balance, done.voucher_codes) == (2000, 3000, ())
    assert done.member.member_no == member_no and done.member.masked_name == "王**"
    form = desk.redeem_form(people.sales, member_no)
    assert form.spendable == 3000 and "gift-100" in [g.code for g in form.gifts]
    with wb.sessions() as session:
        [line] = session.scalars(select(GiftRedemption)).all()
        entry = session.get(PointsEntry, line.points_entry_id)
        assert (line.member_id, line.quantity, line.points, line.staff_id) == (
            member_id,
            2,
            2000,
            people.agent.id,
        )
        assert entry.points == -2000 and entry.kind == PointsKind.REDEMPTION
        assert wb.ledger.stored_balance(session, member_id) == 3000
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "points_redemption")
        ).one()
        assert audit.member_id == member_id


def test_who_may_redeem_and_for_whom(wb, people, desk):
    member_no, _ = new_member(wb, people, 5000)
    for role in ("analyst", "admin"):
        with pytest.raises(PermissionDenied):
            desk.redeem(getattr(people, role), member_no, "gift-100")
    with pytest.raises(UnknownMember):
        desk.redeem(people.agent, "M000000000", "gift-100")
    with pytest.raises(ValidationError, match="unknown reward 'yacht'"):
        desk.redeem(people.agent, member_no, "yacht")
    with pytest.raises(InsufficientPoints, match="balance is 5000"):
        desk.redeem(people.agent, member_no, "gift-100", 6)


def test_a_lost_card_cannot_redeem(wb, people, desk):
    member_no, member_id = new_member(wb, people, 5000)
    with UnitOfWork(wb.sessions).write() as session:
        card_no = wb.registry.current_card(session, member_id).card_no
        wb.registry.report_lost(session, member_no=member_no, actor=people.agent)
    with pytest.raises(CardNotUsable):
        desk.redeem(people.agent, card_no, "gift-100")
    with pytest.raises(CardNotUsable):
        desk.redeem(people.agent, member_no, "gift-100")
    assert lines_of(wb, member_id) == 1


def test_out_of_stock_is_refused_and_nothing_is_written(wb, people, desk):
    desk.add_gift(people.supervisor, gift("lamp", 500, stock=1))
    first, first_id = new_member(wb, people, 1000)
    second, second_id = new_member(wb, people, 1000)
    desk.redeem(people.agent, first, "lamp")
    with pytest.raises(InvalidState, match=r"out of stock \(0 left\)"):
        desk.redeem(people.agent, second, "lamp")
    assert lines_of(wb, second_id) == 1
    desk.add_gift(people.supervisor, gift("mug", 100, stock=2))
    with pytest.raises(InvalidState, match=r"out of stock \(2 left\)"):
        desk.redeem(people.agent, second, "mug", 3)
    with wb.sessions() as session:
        stocks = dict(session.execute(select(GiftItem.code, GiftItem.stock)).all())
        assert (stocks["lamp"], stocks["mug"]) == (0, 2)
    desk.retire(people.supervisor, "mug")
    with pytest.raises(InvalidState, match="retired"):
        desk.redeem(people.agent, second, "mug")


def test_per_item_daily_and_total_limits(wb, people, desk, clock):
    member_no, _ = new_member(wb, people, 9000)
    desk.add_gift(people.supervisor, gift("towel", 100, daily_limit=2, total_limit=3))
    desk.redeem(people.agent, member_no, "towel", 2)
    with pytest.raises(LimitExceeded, match="at most 2 a day per member; 2 already today"):
        desk.redeem(people.agent, member_no, "towel")
    clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # midnight in Shanghai: a new day
    with pytest.raises(LimitExceeded, match="at most 3 per member; 2 already"):
        desk.redeem(people.agent, member_no, "towel", 2)
    desk.redeem(people.agent, member_no, "towel")
    with pytest.raises(LimitExceeded, match="at most 3 per member"):
        desk.redeem(people.agent, member_no, "towel")
    # The daily limit in points (10,000) holds across items.
    other, _ = new_member(wb, people, 20000)
    desk.redeem(people.agent, other, "gift-100", 9)
    with pytest.raises(LimitExceeded, match="daily redemption limit is 10000"):
        desk.redeem(people.agent, other, "voucher-20", 6)


def test_tier_restricted_gift(wb, people, desk):
    member_no, member_id = new_member(wb, people, 5000)
    with pytest.raises(InvalidState, match="tea-set is for Gold members and above"):
        desk.redeem(people.agent, member_no, "tea-set")
    with UnitOfWork(wb.sessions).write() as session:
        wb.registry.get(session, member_no).tier_code = "platinum"
    done = desk.redeem(people.agent, member_no, "tea-set")
    assert done.gift.stock == 39 and done.balance == 2000


def test_voucher_codes_are_issued_unique_and_kept_as_digests(wb, people, desk):
    member_no, _ = new_member(wb, people, 9000)
    done = desk.redeem(people.sales, member_no, "voucher-20", 3)
    again = desk.redeem(people.sales, member_no, "voucher-50", 2)
    codes = done.voucher_codes + again.voucher_codes
    assert len(codes) == len(set(codes)) == 5
    assert all(re.fullmatch(r"([A-Z2-9]{4}-){3}[A-Z2-9]{4}", c) for c in codes)
    with wb.sessions() as session:
        stored = session.scalars(select(GiftVoucher)).all()
        assert {v.code_digest for v in stored} == {voucher_digest(c) for c in codes}
        assert {v.hint for v in stored} == {c[-4:] for c in codes}
        details = " ".join(session.scalars(select(AuditEntry.detail)).all())
        texts = " ".join(session.scalars(select(PointsEntry.detail)).all())
    assert not any(c in details or c in texts for c in codes)
    assert done.gift.kind == GiftKind.VOUCHER.value


def test_a_configured_gift_is_loaded_on_first_redemption(wb, people):
    """A fresh database redeems the configured catalogue before anyone imports it."""
    member_no, _ = new_member(wb, people, 1000)
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.redeem(session, member=member, reward_code="voucher-50")
    assert [g.code for g in wb.usecases.points.gifts(people.agent)] == ["voucher-50"]


def test_a_fresh_database_offers_the_configured_gifts(wb, people):
    """The redeem screen offers what redeeming accepts, before anyone imported the catalogue."""
    member_no, _ = new_member(wb, people, 1000)
    offered = {g.code for g in wb.usecases.points.redeem_form(people.sales, member_no).gifts}
    assert offered == set(wb.ledger.rewards)
    wb.usecases.points.retire(people.supervisor, "gift-100")
    offered = {g.code for g in wb.usecases.points.redeem_form(people.sales, member_no).gifts}
    assert "gift-100" not in offered  # a retired item stays retired


def test_activity_credit_by_rule_with_its_daily_cap(wb, people, desk, clock):
    member_no, member_id = new_member(wb, people)
    assert [r.code for r in desk.activity_rules(people.agent)] == ["survey"]
    assert "open-day" in [r.code for r in desk.activity_rules(people.sales)]
    first = desk.credit_activity(people.agent, member_no, "survey")
    assert (first.points, first.balance, first.rule.daily_max) == (20, 20, 2)
    desk.credit_activity(people.supervisor, member_no, "survey")
    with pytest.raises(LimitExceeded, match="at most 2 a day per member"):
        desk.credit_activity(people.agent, member_no, "survey")
    with pytest.raises(PermissionDenied, match="may not credit open-day"):
        desk.credit_activity(people.agent, member_no, "open-day")
    with pytest.raises(ValidationError, match="unknown activity rule"):
        desk.credit_activity(people.agent, member_no, "lottery")
    assert desk.credit_activity(people.sales, member_no, "open-day").balance == 90
    clock.advance(timedelta(days=1))
    assert desk.credit_activity(people.agent, member_no, "survey").balance == 110
    with wb.sessions() as session:
        details = session.scalars(
            select(PointsEntry.detail).where(PointsEntry.member_id == member_id)
        ).all()
    assert sorted(details) == ["open-day", "survey", "survey", "survey"]


def test_ledger_running_balance_and_expiring_lots(wb, people, desk, clock):
    member_no, member_id = new_member(wb, people)
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("1500"), store_id=1)
    clock.advance(timedelta(days=200))
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("800"), store_id=1)
    desk.redeem(people.agent, member_no, "gift-100")  # takes 1000 of the first lot's 1500
    desk.credit_activity(people.agent, member_no, "survey")
    ledger = desk.member_ledger(people.sales, member_no)
    assert [line.points for line in ledger.lines] == [1500, 800, -1000, 20]
    assert [line.running_balance for line in ledger.lines] == [1500, 2300, 1300, 1320]
    assert ledger.lines[-1].running_balance == ledger.stored_balance == 1320 == ledger.spendable
    assert ledger.lines[2].staff == "agent1 (agent1)" and ledger.lines[0].staff == "—"
    # 800 and 20 were credited at the same instant: one lot.
    assert [(lot.points, lot.expires_at.year) for lot in ledger.lots] == [(500, 2028), (820, 2028)]
    # Two years after the first purchase: its 500 left lapse, not recorded until a debit or
    # the nightly job; the ledger shows them apart, and the lots are what is still alive.
    clock.set(ledger.lots[0].expires_at + timedelta(days=1))
    later = desk.member_ledger(people.sales, member_no)
    assert (later.stored_balance, later.spendable, later.lapsed_unrecorded) == (1320, 820, 500)
    assert [lot.points for lot in later.lots] == [820]
    short = desk.member_ledger(people.sales, member_no, limit=2)
    assert [line.points for line in short.lines] == [-1000, 20] and short.total_lines == 4
    with wb.sessions() as session:
        assert wb.ledger.stored_balance(session, member_id) == later.stored_balance


def test_referral_bonus_tops_up_at_each_new_tier_once(wb, people, clock):
    referrer_no, referrer_id = new_member(wb, people)
    referred_no, _ = new_member(wb, people, referrer_member_no=referrer_no)

    def referral_points() -> list[int]:
        with wb.sessions() as session:
            return list(
                session.scalars(
                    select(PointsEntry.points)
                    .where(
                        PointsEntry.member_id == referrer_id,
                        PointsEntry.kind == PointsKind.REFERRAL,
                    )
                    .order_by(PointsEntry.id)
                )
            )

    def buy(amount: str) -> None:
        with UnitOfWork(wb.sessions).write() as session:
            member = wb.registry.get(session, referred_no)
            wb.ledger.record_purchase(session, member=member, amount=Decimal(amount), store_id=1)

    assert referral_points() == [100]  # joined at the base tier
    buy("20000")
    result = wb.usecases.tiers.review(people.supervisor)
    assert ("regular", "gold") in result.moves
    assert referral_points() == [100, 400]  # gold's 500, less the 100 paid
    # Demoted after a quiet year, then silver again: nothing more (silver's 300 < 500 paid).
    clock.advance(timedelta(days=400))
    wb.usecases.tiers.review(people.supervisor)
    buy("6000")
    wb.usecases.tiers.review(people.supervisor)
    with wb.sessions() as session:
        assert wb.registry.get(session, referred_no).tier_code == "silver"
    assert referral_points() == [100, 400]
    # Platinum by a manual grant: up to platinum's 800.
    wb.usecases.tiers.grant(
        people.admin, referred_no, "platinum", reason="VIP", requested_by="supervisor1"
    )
    assert referral_points() == [100, 400, 300]
    with wb.sessions() as session:
        details = session.scalars(
            select(PointsEntry.detail)
            .where(PointsEntry.member_id == referrer_id)
            .order_by(PointsEntry.id)
        ).all()
    assert details == [
        f"referred {referred_no}",
        f"referred {referred_no} (gold)",
        f"referred {referred_no} (platinum)",
    ]
