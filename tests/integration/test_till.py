"""The till (issue 22 item 4, issue 23 item 5): purchases by card or member number with a receipt,
returns and cancellations that take back the points, on both backends, through the use case."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from workbench.errors import CardNotUsable, NotFound, PermissionDenied, ValidationError
from workbench.members.models import PointsEntry, PointsKind, Purchase
from workbench.members.points import PurchaseLine
from workbench.members.return_models import PurchaseReturn
from workbench.usecases.base import UnitOfWork
from workbench.usecases.member_refs import UnknownMember


@pytest.fixture
def till(wb):
    return wb.usecases.till


@pytest.fixture
def card_no(wb, active_member) -> str:
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        return wb.registry.current_card(session, member.id).card_no


def counts(wb) -> tuple[int, int, int]:
    """(purchases, points lines, returns) stored."""
    with wb.sessions() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(table))
            for table in (Purchase, PointsEntry, PurchaseReturn)
        )


def balance(wb, member_no: str) -> int:
    with wb.sessions() as session:
        return wb.ledger.balance(session, wb.registry.get(session, member_no).id)


# Purchases ---------------------------------------------------------------------------------------
def test_a_purchase_by_card_earns_points_at_the_sales_persons_store(till, people, card_no):
    done = till.record_purchase(people.sales, card_no, "128.50", "R-0001")
    assert done.points_earned == 128 and done.balance == 128
    assert done.store_code == "SH01" and done.receipt == "R-0001" and not done.repeated
    assert done.amount == Decimal("128.50")
    assert done.member.masked_name == "王**" and done.member.member_no.startswith("M")


def test_a_purchase_by_member_number(till, people, active_member):
    member_no, _ = active_member
    done = till.record_purchase(people.sales, member_no, Decimal("99.99"), "R-0002")
    assert (done.points_earned, done.balance, done.member.member_no) == (99, 99, member_no)


def test_the_same_receipt_again_gives_the_first_recording(till, wb, people, card_no, active_member):
    member_no, _ = active_member
    first = till.record_purchase(people.sales, card_no, "300", "R-0003")
    before = counts(wb)
    again = till.record_purchase(people.sales, member_no, "300.00", " R-0003 ")
    assert again.repeated and again.points_earned == first.points_earned == 300
    assert again.balance == 300 and counts(wb) == before
    with pytest.raises(ValidationError, match="already recorded for 300.00 yuan"):
        till.record_purchase(people.sales, card_no, "301", "R-0003")
    with UnitOfWork(wb.sessions).write() as session:
        from tests.factories import application

        other = wb.registry.apply(session, application=application(), actor=people.sales)
        wb.registry.approve(session, member_no=other.member_no, actor=people.agent)
        other_no = other.member_no
    with pytest.raises(ValidationError, match="already recorded for another member") as refused:
        till.record_purchase(people.sales, other_no, "300", "R-0003")
    assert member_no not in str(refused.value)
    assert counts(wb) == before
    # The same number at another store is another receipt.
    elsewhere = till.record_purchase(people.supervisor, card_no, "300", "R-0003", "BJ01")
    assert not elsewhere.repeated and elsewhere.store_code == "BJ01" and elsewhere.balance == 600


def test_a_frozen_card_is_refused_and_nothing_is_stored(till, wb, people, card_no, active_member):
    member_no, _ = active_member
    wb.usecases.cards.report_lost(people.agent, member_no)
    before = counts(wb)
    with pytest.raises(CardNotUsable, match="frozen"):
        till.record_purchase(people.sales, card_no, "50", "R-0004")
    assert counts(wb) == before
    # Named by the member number, the purchase earns on the member's account (members/rights).
    assert till.record_purchase(people.sales, member_no, "50", "R-0004").points_earned == 50


def test_an_unknown_card_and_an_out_of_scope_member_read_the_same(till, wb, people, card_no):
    with pytest.raises(UnknownMember, match="no member or card '9999' that you may act on"):
        till.record_purchase(people.sales, "9999", "10", "R-0005")
    with UnitOfWork(wb.sessions).write() as session:
        from tests.factories import add_staff

        add_staff(session, wb.clock, "sales_bj", people.sales.role, people.other_store)
    from workbench.members.models import Staff

    with wb.sessions() as session:
        sales_bj = session.scalar(select(Staff).where(Staff.username == "sales_bj"))
    with pytest.raises(UnknownMember, match=f"no member or card '{card_no}' that you may act on"):
        till.record_purchase(sales_bj, card_no, "10", "R-0005")
    assert counts(wb)[0] == 0


def test_who_may_use_the_till_and_where(till, people, card_no):
    for refused in (people.agent, people.analyst):
        with pytest.raises(PermissionDenied, match="may not record purchases"):
            till.record_purchase(refused, card_no, "10", "R-0006")
    with pytest.raises(ValidationError, match="choose the store"):
        till.record_purchase(people.supervisor, card_no, "10", "R-0006")
    with pytest.raises(ValidationError, match="your own store, SH01"):
        till.record_purchase(people.sales, card_no, "10", "R-0006", "BJ01")
    with pytest.raises(ValidationError, match="no store 'XX01'"):
        till.record_purchase(people.admin, card_no, "10", "R-0006", "XX01")
    with pytest.raises(ValidationError, match="amount"):
        till.record_purchase(people.sales, card_no, "-3", "R-0006")
    with pytest.raises(ValidationError, match="letters or digits") as bad:
        till.record_purchase(people.sales, card_no, "10", "R 0006")
    assert bad.value.field == "receipt"
    assert till.record_purchase(people.admin, card_no, "10", "R-0006", "SH01").balance == 10
    stores = till.stores(people.supervisor)
    assert stores.own is None and [s.code for s in stores.stores] == ["BJ01", "SH01"]
    assert till.stores(people.sales).own == "SH01"


# Returns -----------------------------------------------------------------------------------------
def test_a_full_return_takes_back_every_point(till, wb, people, card_no, active_member):
    member_no, _ = active_member
    till.record_purchase(people.sales, card_no, "200", "R-0100")
    done = till.record_return(people.sales, "R-0100", "200", "RT-1")
    assert (done.points_reversed, done.points_shortfall, done.balance) == (200, 0, 0)
    assert done.returned_total == done.purchase_amount == Decimal("200.00")
    with wb.sessions() as session:
        [line] = [
            e
            for e in wb.ledger.history(session, wb.registry.get(session, member_no).id)
            if e.kind == PointsKind.RETURN
        ]
        assert line.points == -200 and line.purchase_id is not None and line.detail == "return RT-1"


def test_partial_returns_add_up_to_what_the_purchase_earned(till, people, card_no):
    till.record_purchase(people.sales, card_no, "100.01", "R-0101")  # 100 points
    first = till.record_return(people.sales, "R-0101", "50", "RT-2")
    assert (first.points_reversed, first.balance) == (49, 51)  # rounded down: 100 × 50/100.01
    rest = till.record_return(people.sales, "R-0101", "50.01", "RT-3")
    assert (rest.points_reversed, rest.balance, rest.returned_total) == (51, 0, Decimal("100.01"))


def test_a_return_larger_than_the_purchase_is_refused(till, wb, people, card_no):
    till.record_purchase(people.sales, card_no, "80", "R-0102")
    before = counts(wb)
    with pytest.raises(ValidationError, match="at most 80.00 can be returned") as refused:
        till.record_return(people.sales, "R-0102", "80.01", "RT-4")
    assert refused.value.field == "amount" and counts(wb) == before
    till.record_return(people.sales, "R-0102", "30", "RT-4")
    with pytest.raises(ValidationError, match="30.00 is already returned: at most 50.00"):
        till.record_return(people.sales, "R-0102", "60", "RT-5")


def test_a_return_after_the_points_were_spent_records_the_shortfall(
    till, wb, people, card_no, active_member
):
    member_no, _ = active_member
    till.record_purchase(people.sales, card_no, "1000", "R-0103")
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.redeem(session, member=member, reward_code="voucher-50", quantity=1)
    done = till.record_return(people.sales, "R-0103", "1000", "RT-6")
    assert (done.points_reversed, done.points_shortfall, done.balance) == (500, 500, 0)
    listed = till.purchases(people.sales, member_no)
    [line] = listed.purchases[0].returns
    assert (line.points_reversed, line.points_shortfall) == (500, 500)
    assert balance(wb, member_no) == 0


def test_the_same_return_slip_again_gives_the_first_recording(till, wb, people, card_no):
    till.record_purchase(people.sales, card_no, "100", "R-0104")
    first = till.record_return(people.sales, "R-0104", "40", "RT-7")
    before = counts(wb)
    again = till.record_return(people.sales, "R-0104", "40.00", "RT-7")
    assert again.repeated and again.points_reversed == first.points_reversed == 40
    assert counts(wb) == before and again.balance == 60
    with pytest.raises(ValidationError, match="return RT-7 is already recorded"):
        till.record_return(people.sales, "R-0104", "41", "RT-7")


def test_returns_are_refused_for_unknown_receipts_and_agents(till, people, card_no):
    till.record_purchase(people.sales, card_no, "100", "R-0105")
    with pytest.raises(PermissionDenied):
        till.record_return(people.agent, "R-0105", "10", "RT-8")
    with pytest.raises(NotFound, match="no receipt 'R-0105' at BJ01 that you may act on"):
        till.record_return(people.supervisor, "R-0105", "10", "RT-8", "BJ01")
    with pytest.raises(NotFound, match="no receipt 'R-9999' at SH01"):
        till.record_return(people.sales, "R-9999", "10", "RT-8")


def test_a_return_of_an_odoo_order_by_its_reference(till, wb, people, active_member):
    member_no, _ = active_member
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchases(
            session,
            lines=[
                PurchaseLine(
                    member_id=member.id,
                    tier_code=member.tier_code,
                    amount=Decimal("500"),
                    store_id=people.other_store.id,
                    external_ref="odoo:sale.order:42",
                )
            ],
        )
    done = till.record_return(people.supervisor, "odoo:sale.order:42", "100", "RT-9")
    assert (done.points_reversed, done.balance, done.store_code) == (100, 400, "BJ01")
    assert done.receipt == "odoo:sale.order:42"
    listed = till.purchases(people.sales, member_no)
    [odoo] = listed.purchases
    assert odoo.receipt == "odoo:sale.order:42" and odoo.returned == Decimal("100.00")
    with pytest.raises(ValidationError, match="odoo:<model>:<id>"):
        till.record_return(people.supervisor, "odoo:bad ref", "1", "RT-10")


def test_the_purchase_list_shows_receipts_stores_and_returns(till, people, card_no, active_member):
    member_no, _ = active_member
    till.record_purchase(people.sales, card_no, "10", "R-0201")
    till.record_purchase(people.supervisor, card_no, "20", "R-0202", "BJ01")
    till.record_return(people.supervisor, "R-0202", "5", "RT-11", "BJ01")
    listed = till.purchases(people.sales, card_no)
    assert listed.member.member_no == member_no and listed.balance == 25
    assert [(p.receipt, p.store_code, p.amount, p.points_earned) for p in listed.purchases] == [
        ("R-0202", "BJ01", Decimal("20.00"), 20),
        ("R-0201", "SH01", Decimal("10.00"), 10),
    ] or sorted(p.receipt for p in listed.purchases) == ["R-0201", "R-0202"]
    [returned] = [p for p in listed.purchases if p.receipt == "R-0202"]
    assert returned.returned == Decimal("5.00") and returned.returns[0].return_ref == "RT-11"
    with pytest.raises(PermissionDenied):
        till.purchases(people.agent, member_no)
