"""Gift limits hold under concurrency (issue 23 item 3): two sessions interleaved, the first
holding its redemption open while the second tries — the last unit of stock (two members: the
item's row lock) and a per-member item limit (one member: the ledger lock). Exactly one wins;
the second waits for the first to commit and then sees its redemption. On both backends (on
SQLite the second waits for the database's write lock)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from tests.integration.test_gifts import gift, new_member
from tests.interleave import interleave
from workbench.members.gifts import GiftItem, GiftRedemption


def redeem_in(wb, member_no: str, code: str) -> Callable:
    """A redemption in the session given (the first, held open)."""

    def run(session) -> None:
        member = wb.registry.get(session, member_no)
        wb.usecases.points.catalogue.redeem(session, member=member, code=code)

    return run


@pytest.fixture
def desk(wb, people):
    return wb.usecases.points


def test_two_members_and_the_last_unit_in_stock(wb, people, desk):
    desk.add_gift(people.supervisor, gift("last-lamp", 500, stock=1))
    first, _ = new_member(wb, people, 1000)
    second, _ = new_member(wb, people, 1000)
    outcome = interleave(
        wb,
        redeem_in(wb, first, "last-lamp"),
        lambda: desk.redeem(people.agent, second, "last-lamp"),
    )
    assert str(outcome.second) == "last-lamp is out of stock (0 left)"
    assert outcome.second_after_first
    with wb.sessions() as session:
        assert session.scalar(select(GiftItem.stock).where(GiftItem.code == "last-lamp")) == 0
        assert session.scalar(select(func.count()).select_from(GiftRedemption)) == 1


def test_one_member_up_to_the_item_limit(wb, people, desk):
    desk.add_gift(people.supervisor, gift("once-only", 500, total_limit=1))
    member_no, member_id = new_member(wb, people, 5000)
    outcome = interleave(
        wb,
        redeem_in(wb, member_no, "once-only"),
        lambda: desk.redeem(people.sales, member_no, "once-only"),
    )
    assert str(outcome.second) == "once-only: at most 1 per member; 1 already"
    assert outcome.second_after_first
    with wb.sessions() as session:
        assert wb.ledger.stored_balance(session, member_id) == 4500
        assert session.scalar(select(func.sum(GiftRedemption.quantity))) == 1
