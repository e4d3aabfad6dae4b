"""Stored goods at the counter: record a lot a member leaves at the store, hand part or all of
it over, list a member's lots (their profile) or a store's (the counter), and the daily SMS
reminders: before the pick-up date and once when it has passed.

Store staff keep and hand over goods at their own store and see its lots; supervisors and
administrators (head office) at any store; agents on the hotline only look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import NotFound, ValidationError
from workbench.members import goods as stored
from workbench.members.goods import GoodsStatus, StoredGoods
from workbench.members.models import Member, Role, Staff, Store
from workbench.members.registry import MemberRegistry
from workbench.messaging.models import Purpose
from workbench.messaging.outbox import Outbox
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.branches import branch_by_code, own_branch
from workbench.usecases.member_refs import MemberLine, find_member, member_line, staff_name

if TYPE_CHECKING:
    from workbench.bootstrap import Services

HANDLERS = frozenset({Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR, Role.ADMIN})
VIEWERS = HANDLERS | {Role.AGENT}
LIST_LIMIT = 500


class UnknownGoods(NotFound):
    """No lot with that number, or none the actor may act on: one message."""

    def __init__(self, goods_id: int | str) -> None:
        super().__init__(f"no stored goods #{goods_id} that you may act on")


@dataclass(frozen=True)
class GoodsLine:
    """A lot as lists show it: its number, the member (number, masked name), where and what."""

    goods_id: int
    member: MemberLine
    store_code: str
    item: str
    quantity: int  # still held
    initial_quantity: int
    status: str
    kept_since: datetime
    pick_up_by: date
    overdue: bool
    recorded_by: str
    reminded_at: datetime | None
    overdue_reminded_at: datetime | None


@dataclass(frozen=True)
class GoodsList:
    lines: tuple[GoodsLine, ...]
    store_code: str | None  # the store listed (None: a member's lots, or every store)
    truncated: bool  # more lots than a screen shows


@dataclass(frozen=True)
class PickedUp:
    line: GoodsLine
    taken: int


@dataclass(frozen=True)
class RemindersSent:
    due: int  # reminders before the pick-up date queued
    overdue: int  # reminders after it queued
    skipped: int  # lots whose member could not be messaged (no phone, terminated): marked


class GoodsDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        outbox: Outbox,
        zone: ZoneInfo,
        reminder_days: int,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.outbox = outbox
        self.zone = zone
        self.reminder_days = reminder_days

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    # Recording and handing over ----------------------------------------------------------------
    def record(
        self,
        actor: Staff,
        member_ref: str,
        item: str,
        quantity: int | str,
        pick_up_by: date | str,
        *,
        store_code: str | None = None,
    ) -> GoodsLine:
        """Keeps a lot for the member at the actor's store (head office names the store; by
        default the member's own)."""
        require_role(actor, HANDLERS, "record stored goods")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, member_ref)
            store = self._store_for(session, actor, store_code, member)
            goods = stored.record_goods(
                session,
                member=member,
                store_id=saved_id(store),
                item=item,
                quantity=quantity,
                pick_up_by=pick_up_by,
                staff_id=actor.id,
                now=self.clock.now(),
                today=self.today(),
            )
            return self._line(session, goods, member, store)

    def pick_up(self, actor: Staff, goods_id: int | str, quantity: int | str) -> PickedUp:
        """Hands part or all of a lot over. The lot's row is locked first, so two counters
        handing the same lot over at once take turns and never go below zero."""
        require_role(actor, HANDLERS, "hand stored goods over")
        number = _goods_number(goods_id)
        with self.uow.write() as session:
            goods = stored.locked_goods(session, number)
            if goods is None or not self._may_handle(session, actor, goods.store_id):
                raise UnknownGoods(number)
            taken = stored.checked_quantity(quantity)
            stored.pick_up(session, goods, quantity=taken, staff_id=actor.id, now=self.clock.now())
            member = session.get_one(Member, goods.member_id)
            return PickedUp(self._line(session, goods, member), taken)

    # Lists -------------------------------------------------------------------------------------
    def of_member(self, actor: Staff, member_ref: str, *, held_only: bool = False) -> GoodsList:
        """A member's lots, newest first (their profile)."""
        require_role(actor, VIEWERS, "see stored goods")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, member_ref)
            query = select(StoredGoods).where(col(StoredGoods.member_id) == member.id)
            if held_only:
                query = query.where(col(StoredGoods.status) == GoodsStatus.HELD)
            rows = session.scalars(
                query.order_by(col(StoredGoods.id).desc()).limit(LIST_LIMIT + 1)
            ).all()
            lines = tuple(self._line(session, g, member) for g in rows[:LIST_LIMIT])
            return GoodsList(lines, None, len(rows) > LIST_LIMIT)

    def of_store(
        self, actor: Staff, store_code: str | None = None, *, overdue_only: bool = False
    ) -> GoodsList:
        """The lots still held at a store, the soonest due first. Store staff see their own
        store; head office names one, or sees every store's."""
        require_role(actor, VIEWERS, "see stored goods")
        with self.uow.read() as session:
            own = own_branch(session, actor)
            if own is not None:
                if store_code and store_code.strip() != own.code:
                    raise ValidationError("store", f"you see the goods of your store {own.code}")
                store: Store | None = own
            elif store_code:
                store = branch_by_code(session, store_code, what="keeps goods")
            else:
                store = None
            query = select(StoredGoods).where(col(StoredGoods.status) == GoodsStatus.HELD)
            if store is not None:
                query = query.where(col(StoredGoods.store_id) == store.id)
            if overdue_only:
                query = query.where(col(StoredGoods.pick_up_by) < self.today())
            query = query.order_by(col(StoredGoods.pick_up_by), col(StoredGoods.id))
            rows = session.scalars(query.limit(LIST_LIMIT + 1)).all()
            lines = tuple(self._line(session, g) for g in rows[:LIST_LIMIT])
            return GoodsList(lines, store.code if store else None, len(rows) > LIST_LIMIT)

    def held_count(self, actor: Staff, member_ref: str) -> int:
        """How many lots the member still has at a store (the profile's line)."""
        require_role(actor, VIEWERS, "see stored goods")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, member_ref)
            return int(
                session.execute(
                    select(func.count())
                    .select_from(StoredGoods)
                    .where(
                        col(StoredGoods.member_id) == member.id,
                        col(StoredGoods.status) == GoodsStatus.HELD,
                    )
                ).scalar_one()
            )

    # The reminder job --------------------------------------------------------------------------
    def send_reminders(self) -> RemindersSent:
        """Queues the SMS of every lot due within `[members] goods_reminder_days` and of every
        lot past its date, each once: the lot records when (and the outbox's dedupe key holds
        if two runs meet). Idempotent; the scheduler runs it daily."""
        today, now = self.today(), self.clock.now()
        due = overdue = skipped = 0
        with self.uow.write() as session:
            if self.reminder_days > 0:
                for goods in stored.due_for_reminder(session, today=today, days=self.reminder_days):
                    sent = self._remind(session, goods, "goods_reminder")
                    goods.reminded_at = now
                    due, skipped = due + sent, skipped + (not sent)
            for goods in stored.overdue_unreminded(session, today=today):
                sent = self._remind(session, goods, "goods_overdue")
                goods.overdue_reminded_at = now
                goods.reminded_at = goods.reminded_at or now
                overdue, skipped = overdue + sent, skipped + (not sent)
        return RemindersSent(due, overdue, skipped)

    def _remind(self, session: Session, goods: StoredGoods, template: str) -> bool:
        member = session.get_one(Member, goods.member_id)
        store = session.get_one(Store, goods.store_id)
        queued = self.outbox.enqueue(
            session,
            member=member,
            template=template,
            channel="sms",
            purpose=Purpose.TRANSACTIONAL,
            extra={
                "goods_item": goods.item,
                "goods_quantity": goods.quantity,
                "store_name": store.name,
                "pick_up_by": goods.pick_up_by.isoformat(),
            },
            dedupe_key=f"{template}:{goods.id}",
        )
        return queued.message is not None

    # Helpers -----------------------------------------------------------------------------------
    def _store_for(
        self, session: Session, actor: Staff, store_code: str | None, member: Member
    ) -> Store:
        own = own_branch(session, actor)
        if own is not None:
            if store_code and store_code.strip() != own.code:
                raise ValidationError("store", f"goods are kept at your own store {own.code}")
            return own
        if store_code:
            return branch_by_code(session, store_code, what="keeps goods")
        return session.get_one(Store, member.store_id)

    def _may_handle(self, session: Session, actor: Staff, store_id: int) -> bool:
        if not actor.active or actor.role not in VIEWERS:
            return False
        own = own_branch(session, actor)
        return own is None or own.id == store_id

    def _line(
        self,
        session: Session,
        goods: StoredGoods,
        member: Member | None = None,
        store: Store | None = None,
    ) -> GoodsLine:
        member = member or session.get_one(Member, goods.member_id)
        store = store or session.get_one(Store, goods.store_id)
        return GoodsLine(
            goods_id=saved_id(goods),
            member=member_line(self.cipher, member),
            store_code=store.code,
            item=goods.item,
            quantity=goods.quantity,
            initial_quantity=goods.initial_quantity,
            status=goods.status.value if isinstance(goods.status, GoodsStatus) else goods.status,
            kept_since=goods.kept_since,
            pick_up_by=goods.pick_up_by,
            overdue=goods.status == GoodsStatus.HELD and goods.pick_up_by < self.today(),
            recorded_by=staff_name(session, goods.recorded_by_id),
            reminded_at=goods.reminded_at,
            overdue_reminded_at=goods.overdue_reminded_at,
        )


def _goods_number(goods_id: int | str) -> int:
    text = str(goods_id).strip().lstrip("#")
    if not text.isdigit():
        raise ValidationError("goods", "the number of the lot, e.g. 12")
    return int(text)


def goods_desk(s: Services, uow: UnitOfWork) -> GoodsDesk:
    return GoodsDesk(
        uow=uow,
        clock=s.clock,
        cipher=s.cipher,
        registry=s.registry,
        outbox=s.outbox,
        zone=s.settings.timezone,
        reminder_days=s.settings.members_goods_reminder_days,
    )
