"""Stored goods through the use cases, on both backends: record, pick up partly and fully,
refusals that store nothing, two interleaved pick-ups that never go below zero, settlement at
termination, and the reminders before the date and when overdue, each exactly once."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tests.factories import application
from tests.interleave import interleave
from workbench.errors import (
    InvalidState,
    LimitExceeded,
    MemberNotActive,
    PermissionDenied,
    ValidationError,
)
from workbench.members import goods as stored
from workbench.members.goods import GoodsPickup, GoodsStatus, StoredGoods, settle_goods
from workbench.messaging.models import OutboxMessage
from workbench.usecases.base import UnitOfWork
from workbench.usecases.goods import UnknownGoods
from workbench.usecases.member_refs import UnknownMember

TODAY = date(2026, 3, 2)  # the fixed clock's day in Shanghai


def _lots(wb):
    with wb.sessions() as session:
        return session.scalars(select(StoredGoods).order_by(StoredGoods.id)).all()


def test_record_and_pick_up_partly_then_fully(wb, world):
    desk, sales = wb.usecases.goods, world.staff["sales_own"]
    line = desk.record(sales, world.member_no, "  燕窝礼盒   500g ", 5, "2026-04-30")
    assert (line.item, line.quantity, line.store_code, line.status) == (
        "燕窝礼盒 500g",
        5,
        "SH01",
        "held",
    )
    assert line.member.member_no == world.member_no and line.member.masked_name == "张*"
    assert line.recorded_by == "sales_own (sales_own)" and line.pick_up_by == date(2026, 4, 30)

    picked = desk.pick_up(world.staff["manager_own"], line.goods_id, 2)
    assert (picked.taken, picked.line.quantity, picked.line.status) == (2, 3, "held")
    picked = desk.pick_up(sales, f"#{line.goods_id}", "3")
    assert (picked.line.quantity, picked.line.status) == (0, "picked_up")
    with pytest.raises(InvalidState, match="picked up"):
        desk.pick_up(sales, line.goods_id, 1)

    listed = desk.of_member(world.staff["agent"], world.member_no)  # agents look
    assert [(g.goods_id, g.quantity) for g in listed.lines] == [(line.goods_id, 0)]
    with wb.sessions() as session:
        pickups = session.scalars(select(GoodsPickup.quantity).order_by(GoodsPickup.id)).all()
    assert pickups == [2, 3]


def test_over_pickup_and_bad_input_are_refused_and_store_nothing(wb, world):
    desk, sales = wb.usecases.goods, world.staff["sales_own"]
    line = desk.record(sales, world.member_no, "红酒", 2, TODAY)
    with pytest.raises(LimitExceeded, match="only 2 held, 3 asked for"):
        desk.pick_up(sales, line.goods_id, 3)
    for bad in (0, -1, "two"):
        with pytest.raises(ValidationError, match="quantity"):
            desk.pick_up(sales, line.goods_id, bad)
    assert _lots(wb)[0].quantity == 2
    with pytest.raises(ValidationError, match="item"):
        desk.record(sales, world.member_no, "   ", 1, "2026-04-30")
    with pytest.raises(ValidationError, match="pick_up_by.*before today"):
        desk.record(sales, world.member_no, "茶叶", 1, "2026-03-01")
    with pytest.raises(ValidationError, match="pick_up_by"):
        desk.record(sales, world.member_no, "茶叶", 1, "30/04/2026")
    with pytest.raises(ValidationError, match="own store SH01"):
        desk.record(sales, world.member_no, "茶叶", 1, "2026-04-30", store_code="BJ01")
    with pytest.raises(PermissionDenied):
        desk.record(world.staff["agent"], world.member_no, "茶叶", 1, "2026-04-30")
    with pytest.raises(UnknownMember):  # another store's member: as if unknown
        desk.record(world.staff["manager_other"], world.member_no, "茶叶", 1, "2026-04-30")
    with pytest.raises(UnknownGoods):  # another store's lot: as if unknown
        desk.pick_up(world.staff["manager_other"], line.goods_id, 1)
    with pytest.raises(UnknownGoods):
        desk.pick_up(sales, 999, 1)
    with wb.sessions() as session:
        pending = wb.registry.apply(
            session, application=application(), actor=world.staff["sales_own"]
        )
        session.commit()
    with pytest.raises(MemberNotActive):
        desk.record(sales, pending.member_no, "茶叶", 1, "2026-04-30")
    assert len(_lots(wb)) == 1


def test_head_office_names_the_store_and_lists_per_store(wb, world):
    desk, admin = wb.usecases.goods, world.staff["admin"]
    at_bj = desk.record(admin, world.member_no, "月饼", 1, "2026-03-10", store_code="BJ01")
    at_sh = desk.record(admin, world.member_no, "燕窝", 1, "2026-03-05")  # the member's store
    assert (at_bj.store_code, at_sh.store_code) == ("BJ01", "SH01")
    with pytest.raises(ValidationError, match="no store"):
        desk.record(admin, world.member_no, "月饼", 1, "2026-03-10", store_code="HQ")

    own = desk.of_store(world.staff["sales_own"])
    assert own.store_code == "SH01" and [g.goods_id for g in own.lines] == [at_sh.goods_id]
    with pytest.raises(ValidationError, match="your store SH01"):
        desk.of_store(world.staff["sales_own"], "BJ01")
    every = desk.of_store(world.staff["supervisor"])
    assert [g.goods_id for g in every.lines] == [at_sh.goods_id, at_bj.goods_id]  # soonest first
    assert [g.goods_id for g in desk.of_store(admin, "BJ01").lines] == [at_bj.goods_id]
    assert desk.of_store(admin, overdue_only=True).lines == ()
    assert desk.held_count(world.staff["agent"], world.member_no) == 2


def test_the_database_refuses_a_negative_quantity(wb, world):
    wb.usecases.goods.record(world.staff["sales_own"], world.member_no, "红酒", 1, TODAY)
    with pytest.raises(IntegrityError), wb.sessions() as session:
        session.execute(update(StoredGoods).values(quantity=-1))
        session.commit()


def test_two_interleaved_pickups_never_go_below_zero(wb, world):
    """A takes 3 of 5 and holds its transaction open; B then asks for 3 of the same lot. B waits
    on the lot's lock until A commits, then sees the 2 left and is refused."""
    desk = wb.usecases.goods
    line = desk.record(world.staff["sales_own"], world.member_no, "燕窝", 5, "2026-04-30")

    def first(session) -> None:
        goods = stored.locked_goods(session, line.goods_id)
        stored.pick_up(session, goods, quantity=3, staff_id=None, now=wb.clock.now())

    seen = interleave(wb, first, lambda: desk.pick_up(world.staff["manager_own"], line.goods_id, 3))
    assert isinstance(seen.second, LimitExceeded)
    assert "only 2 held, 3 asked for" in str(seen.second)
    assert seen.second_after_first
    assert _lots(wb)[0].quantity == 2
    assert desk.pick_up(world.staff["manager_own"], line.goods_id, 2).line.quantity == 0


def test_settlement_at_termination_closes_what_is_held(wb, world):
    desk, sales = wb.usecases.goods, world.staff["sales_own"]
    kept = desk.record(sales, world.member_no, "燕窝", 4, "2026-04-30")
    desk.pick_up(sales, kept.goods_id, 1)
    gone = desk.record(sales, world.member_no, "红酒", 1, "2026-04-30")
    desk.pick_up(sales, gone.goods_id, 1)
    with UnitOfWork(wb.sessions).write() as session:
        settled = settle_goods(
            session, member_id=world.member_id, staff_id=None, now=wb.clock.now()
        )
    assert settled == 1
    lots = {g.id: g for g in _lots(wb)}
    assert (lots[kept.goods_id].status, lots[kept.goods_id].quantity) == (GoodsStatus.SETTLED, 0)
    assert lots[gone.goods_id].status == GoodsStatus.PICKED_UP
    with wb.sessions() as session:
        last = session.scalars(select(GoodsPickup).order_by(GoodsPickup.id.desc())).first()
    assert (last.quantity, last.settled) == (3, True)
    with UnitOfWork(wb.sessions).write() as session:  # again: nothing left to settle
        assert (
            settle_goods(session, member_id=world.member_id, staff_id=None, now=wb.clock.now()) == 0
        )


def _goods_messages(wb):
    with wb.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template.like("goods_%"))
            .order_by(OutboxMessage.id)
        ).all()
        return [(m.template, m.channel, m.dedupe_key) for m in rows]


def test_reminders_before_the_date_and_when_overdue_each_once(wb, world, clock):
    desk = wb.usecases.goods
    line = desk.record(world.staff["sales_own"], world.member_no, "燕窝", 2, "2026-03-20")
    later = desk.record(world.staff["sales_own"], world.member_no, "茶叶", 1, "2026-06-01")
    taken = desk.record(world.staff["sales_own"], world.member_no, "红酒", 1, "2026-03-15")
    desk.pick_up(world.staff["sales_own"], taken.goods_id, 1)  # nothing held: never reminded

    assert desk.send_reminders() == type(desk.send_reminders())(0, 0, 0)
    clock.advance(days=10)  # 12 March: 8 days before
    assert desk.send_reminders().due == 0
    clock.advance(days=1)  # 13 March: 7 days before
    first = desk.send_reminders()
    assert (first.due, first.overdue) == (1, 0)
    assert _goods_messages(wb) == [("goods_reminder", "sms", f"goods_reminder:{line.goods_id}")]
    for days in (1, 6):  # up to and on the date itself: not again, not yet overdue
        clock.advance(days=days)
        assert desk.send_reminders() == type(first)(0, 0, 0)
    clock.advance(days=1)  # 21 March: past the date
    overdue = desk.send_reminders()
    assert (overdue.due, overdue.overdue) == (0, 1)
    clock.advance(days=30)
    assert desk.send_reminders() == type(first)(0, 0, 0)
    assert _goods_messages(wb) == [
        ("goods_reminder", "sms", f"goods_reminder:{line.goods_id}"),
        ("goods_overdue", "sms", f"goods_overdue:{line.goods_id}"),
    ]
    lots = {g.id: g for g in _lots(wb)}
    assert lots[line.goods_id].reminded_at is not None
    assert lots[line.goods_id].overdue_reminded_at is not None
    assert lots[later.goods_id].reminded_at is None
    listed = desk.of_store(world.staff["sales_own"], overdue_only=True)
    assert [g.goods_id for g in listed.lines] == [line.goods_id] and listed.lines[0].overdue


def test_a_reminder_names_the_goods_the_store_and_the_date(wb, world, clock):
    desk = wb.usecases.goods
    desk.record(world.staff["sales_own"], world.member_no, "燕窝礼盒", 2, "2026-03-05")
    assert desk.send_reminders().due == 1
    with wb.sessions() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "goods_reminder")
        ).one()
        body = wb.outbox.decrypt_body(message)["body"]
    assert "燕窝礼盒" in body and "门店 SH01" in body and "2026-03-05" in body
    assert "2件" in body
    assert world.app.phone not in body


def test_the_job_runs_the_reminders(wb, world, clock):
    from workbench.scheduler import jobs

    wb.usecases.goods.record(
        world.staff["sales_own"], world.member_no, "燕窝", 1, TODAY + timedelta(days=1)
    )
    jobs.install(wb)
    jobs.goods_reminders()
    jobs.goods_reminders()
    assert len(_goods_messages(wb)) == 1
