"""Stored goods (存货, seed 003 "顾客存货领用提醒"): what a member bought and left at a store to
pick up later. A lot has an item text, the quantity still held, when it was kept and the date
by which it is to be picked up. A pick-up takes part or all of it: the lot's row is locked
first (FOR UPDATE on PostgreSQL; SQLite's write lock), and the database itself refuses a
quantity below zero. At termination what is still held is settled (`settle_goods`). The member
is reminded before the date and once more when it has passed; each reminder is recorded on the
lot, so none is sent twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Date, Index, String
from sqlmodel import Field, Session, SQLModel, col, select

from workbench.db.ids import saved_id
from workbench.db.types import utc_column
from workbench.errors import InvalidState, LimitExceeded, MemberNotActive, NotFound, ValidationError
from workbench.masking.text import refuse_unsafe
from workbench.members.models import Member, MemberStatus

ITEM_MAX = 200
QUANTITY_MAX = 100_000
KEEP_MAX_DAYS = 3 * 366  # a pick-up date further off than this is a typing error


class GoodsStatus(StrEnum):
    HELD = "held"  # some of it is still at the store
    PICKED_UP = "picked_up"  # all of it taken
    SETTLED = "settled"  # settled at termination: nothing more to pick up


class StoredGoods(SQLModel, table=True):
    __tablename__ = "stored_goods"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="ck_stored_goods_quantity_not_negative"),
        CheckConstraint(
            "quantity <= initial_quantity", name="ck_stored_goods_quantity_at_most_kept"
        ),
        Index("ix_stored_goods_member", "member_id", "status"),
        Index("ix_stored_goods_store", "store_id", "status", "pick_up_by"),
        Index("ix_stored_goods_due", "status", "pick_up_by"),  # the reminder job's read
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    store_id: int = Field(foreign_key="store.id")
    item: str = Field(max_length=ITEM_MAX)
    initial_quantity: int
    quantity: int  # still held
    status: GoodsStatus = Field(sa_column=Column(String(16), nullable=False))
    kept_since: datetime = Field(sa_column=utc_column(nullable=False))
    pick_up_by: date = Field(sa_column=Column(Date(), nullable=False))  # local date, inclusive
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    reminded_at: datetime | None = Field(default=None, sa_column=utc_column())
    overdue_reminded_at: datetime | None = Field(default=None, sa_column=utc_column())


class GoodsPickup(SQLModel, table=True):
    """One pick-up from a lot, or its settlement at termination: the lot's history."""

    __tablename__ = "goods_pickup"

    id: int | None = Field(default=None, primary_key=True)
    goods_id: int = Field(foreign_key="stored_goods.id", index=True)
    quantity: int
    picked_at: datetime = Field(sa_column=utc_column(nullable=False))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    settled: bool = False  # settled at termination, not handed over


def checked_item(item: str) -> str:
    text = refuse_unsafe(" ".join((item or "").split()), "item")
    if not text:
        raise ValidationError("item", "name the goods kept, e.g. 燕窝礼盒 500g")
    if len(text) > ITEM_MAX:
        raise ValidationError("item", f"at most {ITEM_MAX} characters")
    return text


def checked_quantity(quantity: int | str) -> int:
    try:
        number = int(str(quantity).strip())
    except ValueError:
        raise ValidationError("quantity", "a whole number such as 2") from None
    if not (0 < number <= QUANTITY_MAX):
        raise ValidationError("quantity", f"more than 0 and at most {QUANTITY_MAX}")
    return number


def checked_date(pick_up_by: date | str, today: date) -> date:
    if isinstance(pick_up_by, str):
        try:
            pick_up_by = date.fromisoformat(pick_up_by.strip())
        except ValueError:
            raise ValidationError("pick_up_by", "a date such as 2026-04-30") from None
    if pick_up_by < today:
        raise ValidationError("pick_up_by", f"may not be before today ({today.isoformat()})")
    if pick_up_by > today + timedelta(days=KEEP_MAX_DAYS):
        raise ValidationError("pick_up_by", "more than three years ahead")
    return pick_up_by


def record_goods(
    session: Session,
    *,
    member: Member,
    store_id: int,
    item: str,
    quantity: int | str,
    pick_up_by: date | str,
    staff_id: int | None,
    now: datetime,
    today: date,
) -> StoredGoods:
    """A new lot kept for an active member; checked in full before anything is written."""
    text, number = checked_item(item), checked_quantity(quantity)
    until = checked_date(pick_up_by, today)
    if member.status != MemberStatus.ACTIVE:
        raise MemberNotActive(f"member {member.member_no} is {member.status}: goods not recorded")
    goods = StoredGoods(
        member_id=saved_id(member),
        store_id=store_id,
        item=text,
        initial_quantity=number,
        quantity=number,
        status=GoodsStatus.HELD,
        kept_since=now,
        pick_up_by=until,
        recorded_by_id=staff_id,
    )
    session.add(goods)
    session.flush()
    return goods


def locked_goods(session: Session, goods_id: int) -> StoredGoods | None:
    """The lot, its row locked for the rest of the transaction (a pick-up waits for another's
    to commit and then reads what it left)."""
    return session.exec(
        select(StoredGoods)
        .where(col(StoredGoods.id) == goods_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def pick_up(
    session: Session,
    goods: StoredGoods,
    *,
    quantity: int | str,
    staff_id: int | None,
    now: datetime,
) -> int:
    """Hands `quantity` of a locked lot over; the lot closes when nothing is left. Returns the
    quantity still held."""
    number = checked_quantity(quantity)
    if goods.status != GoodsStatus.HELD:
        raise InvalidState(f"goods #{goods.id} are {goods.status.replace('_', ' ')}: nothing held")
    if number > goods.quantity:
        raise LimitExceeded(
            f"goods #{goods.id}: only {goods.quantity} held, {number} asked for; nothing handed over"
        )
    goods.quantity -= number
    if goods.quantity == 0:
        goods.status = GoodsStatus.PICKED_UP
        goods.closed_at = now
    session.add(
        GoodsPickup(goods_id=saved_id(goods), quantity=number, picked_at=now, staff_id=staff_id)
    )
    session.flush()
    return goods.quantity


def settle_goods(session: Session, *, member_id: int, staff_id: int | None, now: datetime) -> int:
    """Marks every still-held lot of the member settled (termination settles what they still
    have at a store) in the caller's transaction; returns how many lots."""
    held = session.exec(
        select(StoredGoods)
        .where(col(StoredGoods.member_id) == member_id, col(StoredGoods.status) == GoodsStatus.HELD)
        .order_by(col(StoredGoods.id))
        .with_for_update()
    ).all()
    for goods in held:
        session.add(
            GoodsPickup(
                goods_id=saved_id(goods),
                quantity=goods.quantity,
                picked_at=now,
                staff_id=staff_id,
                settled=True,
            )
        )
        goods.quantity = 0
        goods.status = GoodsStatus.SETTLED
        goods.closed_at = now
    session.flush()
    return len(held)


def goods_of(session: Session, lot_id: int) -> StoredGoods:
    goods = session.get(StoredGoods, lot_id)
    if goods is None:
        raise NotFound(f"no stored goods #{lot_id}")
    return goods


def due_for_reminder(session: Session, *, today: date, days: int) -> Sequence[StoredGoods]:
    """Held lots whose pick-up date is within `days` from today and not yet reminded, locked
    (a second job run waits, then finds them reminded)."""
    return session.exec(
        select(StoredGoods)
        .where(
            col(StoredGoods.status) == GoodsStatus.HELD,
            col(StoredGoods.pick_up_by) >= today,
            col(StoredGoods.pick_up_by) <= today + timedelta(days=days),
            col(StoredGoods.reminded_at).is_(None),
        )
        .order_by(col(StoredGoods.id))
        .with_for_update(skip_locked=True)
    ).all()


def overdue_unreminded(session: Session, *, today: date) -> Sequence[StoredGoods]:
    """Held lots past their pick-up date whose overdue reminder has not gone, locked."""
    return session.exec(
        select(StoredGoods)
        .where(
            col(StoredGoods.status) == GoodsStatus.HELD,
            col(StoredGoods.pick_up_by) < today,
            col(StoredGoods.overdue_reminded_at).is_(None),
        )
        .order_by(col(StoredGoods.id))
        .with_for_update(skip_locked=True)
    ).all()
