"""A store's till: record a purchase by card or member number with its receipt, take a return
or cancellation of (part of) a purchase, and list a member's purchases with their returns.

Sales staff, store managers (their own store's members), supervisors and administrators; not
hotline agents. Staff of a store record at their store; staff of no store (or of head office)
name the store. A card presented must be usable (a lost card is frozen); a purchase named by
the member number earns on the member's account like an order from Odoo (members/rights.py).
Both operations are idempotent on their slip's number: the same receipt (or return slip) again
gives the first recording; the same number with another member or amount is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import NotFound, ValidationError
from workbench.members.models import Member, Purchase, Role, Staff, Store, StoreKind
from workbench.members.points import PointsLedger, checked_amount
from workbench.members.registry import MemberRegistry
from workbench.members.return_models import PurchaseReturn
from workbench.members.returns import (
    ODOO_PREFIX,
    PurchaseReturns,
    find_purchase,
    receipt_key,
    receipt_shown,
)
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.branches import branch_by_code, own_branch
from workbench.usecases.member_refs import MemberLine, find_member, may_act_on, member_line
from workbench.usecases.members import StoreOption

if TYPE_CHECKING:
    from workbench.bootstrap import Services

TILL_ROLES = frozenset({Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class TillStores:
    """Where the actor's till is: their own store (None: they choose one of `stores`)."""

    own: str | None
    stores: tuple[StoreOption, ...]


@dataclass(frozen=True)
class PurchaseRecorded:
    member: MemberLine
    receipt: str
    store_code: str
    amount: Decimal
    points_earned: int
    balance: int  # what the member may spend after it
    repeated: bool  # True: the receipt was recorded before; this is that recording


@dataclass(frozen=True)
class ReturnRecorded:
    member: MemberLine
    receipt: str
    return_ref: str
    store_code: str
    amount: Decimal
    returned_total: Decimal  # of the purchase, this return included
    purchase_amount: Decimal
    points_reversed: int
    points_shortfall: int  # due back but already spent
    balance: int
    repeated: bool


@dataclass(frozen=True)
class ReturnLine:
    return_ref: str
    when: datetime
    amount: Decimal
    points_reversed: int
    points_shortfall: int


@dataclass(frozen=True)
class PurchaseLine:
    receipt: str
    store_code: str
    when: datetime
    amount: Decimal
    points_earned: int
    returns: tuple[ReturnLine, ...]

    @property
    def returned(self) -> Decimal:
        return sum((r.amount for r in self.returns), Decimal("0.00"))


@dataclass(frozen=True)
class MemberPurchases:
    member: MemberLine
    balance: int
    purchases: tuple[PurchaseLine, ...]  # newest first


class UnknownReceipt(NotFound):
    """No such receipt, or one of a member the actor may not act on: one message."""

    def __init__(self, receipt: str, store_code: str | None) -> None:
        where = f" at {store_code}" if store_code and not receipt.startswith(ODOO_PREFIX) else ""
        super().__init__(f"no receipt {receipt.strip()!r}{where} that you may act on")


class TillDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        registry: MemberRegistry,
        ledger: PointsLedger,
        returns: PurchaseReturns,
        cipher: FieldCipher,
    ) -> None:
        self.uow = uow
        self.registry = registry
        self.ledger = ledger
        self.returns = returns
        self.cipher = cipher

    def stores(self, actor: Staff) -> TillStores:
        """The actor's till store, or the stores they may choose from."""
        require_role(actor, TILL_ROLES, "use a till")
        with self.uow.read() as session:
            own = own_branch(session, actor)
            rows = session.scalars(
                select(Store)
                .where(col(Store.kind) != StoreKind.HEADQUARTERS)
                .order_by(col(Store.code))
            ).all()
            return TillStores(
                own.code if own is not None else None,
                tuple(StoreOption(s.code, s.name) for s in rows),
            )

    def record_purchase(
        self,
        actor: Staff,
        reference: str,
        amount: Decimal | str,
        receipt: str,
        store_code: str | None = None,
    ) -> PurchaseRecorded:
        """A purchase of the member a card or member number names, earning points at their
        tier; the same receipt again gives the first recording."""
        require_role(actor, TILL_ROLES, "record purchases")
        amount = checked_amount(amount)
        with self.uow.write() as session:
            store = self._till_store(session, actor, store_code)
            key = receipt_key(store.code, receipt)
            member = find_member(session, self.registry, actor, reference)
            card_no = None if reference.strip() == member.member_no else reference.strip()
            purchase = self._by_ref(session, key)
            repeated = purchase is not None
            if purchase is None:
                try:
                    with session.begin_nested():  # a second till with the same receipt
                        purchase = self.ledger.record_purchase(
                            session,
                            member=member,
                            amount=amount,
                            store_id=saved_id(store),
                            staff_id=actor.id,
                            external_ref=key,
                            card_no=card_no,
                        )
                except IntegrityError:
                    purchase = self._by_ref(session, key)
                    if purchase is None:
                        raise
                    repeated = True
            if repeated:
                _same_purchase(purchase, member, amount, receipt.strip(), store.code)
            return PurchaseRecorded(
                member=member_line(self.cipher, member),
                receipt=receipt_shown(purchase),
                store_code=store.code,
                amount=purchase.amount,
                points_earned=purchase.points_earned,
                balance=self.ledger.balance(session, saved_id(member)),
                repeated=repeated,
            )

    def record_return(
        self,
        actor: Staff,
        receipt: str,
        amount: Decimal | str,
        return_ref: str,
        store_code: str | None = None,
    ) -> ReturnRecorded:
        """A return of `amount` of the purchase of a receipt (at the till's store) or of an
        Odoo order (`odoo:<model>:<id>`); it takes back the points that part earned, as far
        as the member still has them, and records the rest as its shortfall."""
        require_role(actor, TILL_ROLES, "record returns")
        amount = checked_amount(amount)
        with self.uow.write() as session:
            code: str | None = None
            if not receipt.strip().startswith(ODOO_PREFIX):
                code = self._till_store(session, actor, store_code).code
            purchase = find_purchase(session, code, receipt)
            member = session.get(Member, purchase.member_id) if purchase is not None else None
            if purchase is None or member is None or not may_act_on(actor, member):
                raise UnknownReceipt(receipt, code)
            taken = self.returns.take(
                session, purchase=purchase, amount=amount, return_ref=return_ref, staff_id=actor.id
            )
            row = taken.row
            return ReturnRecorded(
                member=member_line(self.cipher, member),
                receipt=receipt_shown(purchase),
                return_ref=row.return_ref,
                store_code=_store_code(session, purchase.store_id),
                amount=row.amount,
                returned_total=row.returned_total,
                purchase_amount=row.purchase_amount,
                points_reversed=row.points_reversed,
                points_shortfall=row.points_shortfall,
                balance=self.ledger.balance(session, saved_id(member)),
                repeated=taken.repeated,
            )

    def purchases(self, actor: Staff, reference: str, limit: int = 50) -> MemberPurchases:
        """A member's purchases, newest first, each with its returns."""
        require_role(actor, TILL_ROLES, "list purchases")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, reference)
            rows = session.scalars(
                select(Purchase)
                .where(col(Purchase.member_id) == member.id)
                .order_by(col(Purchase.occurred_at).desc(), col(Purchase.id).desc())
                .limit(limit)
            ).all()
            returns = self.returns.of_purchases(session, [saved_id(p) for p in rows])
            codes = {i: c for i, c in session.execute(select(col(Store.id), col(Store.code)))}
            return MemberPurchases(
                member=member_line(self.cipher, member),
                balance=self.ledger.balance(session, saved_id(member)),
                purchases=tuple(
                    PurchaseLine(
                        receipt=receipt_shown(p),
                        store_code=codes.get(p.store_id, "—"),
                        when=p.occurred_at,
                        amount=p.amount,
                        points_earned=p.points_earned,
                        returns=tuple(_return_line(r) for r in returns[saved_id(p)]),
                    )
                    for p in rows
                ),
            )

    # The till's store ----------------------------------------------------------------------
    def _till_store(self, session: Session, actor: Staff, store_code: str | None) -> Store:
        code = (store_code or "").strip()
        own = own_branch(session, actor)
        if own is not None:
            if code and code != own.code:
                raise ValidationError("store", f"you record at your own store, {own.code}")
            return own
        if not code:
            raise ValidationError("store", "choose the store of the till")
        return branch_by_code(session, code, what="with a till")

    def _by_ref(self, session: Session, key: str) -> Purchase | None:
        return session.scalar(select(Purchase).where(col(Purchase.external_ref) == key))


def _same_purchase(
    purchase: Purchase, member: Member, amount: Decimal, receipt: str, store_code: str
) -> None:
    """A receipt recorded before may only be the same purchase again."""
    if purchase.member_id != member.id:
        raise ValidationError(
            "receipt",
            f"{receipt} at {store_code} is already recorded for another member: "
            "check the receipt number",
        )
    if purchase.amount != amount:
        raise ValidationError(
            "receipt",
            f"{receipt} at {store_code} is already recorded for {purchase.amount} "
            "yuan: check the receipt number and the amount",
        )


def _store_code(session: Session, store_id: int) -> str:
    store = session.get(Store, store_id)
    return store.code if store is not None else "—"


def _return_line(row: PurchaseReturn) -> ReturnLine:
    return ReturnLine(
        return_ref=row.return_ref,
        when=row.occurred_at,
        amount=row.amount,
        points_reversed=row.points_reversed,
        points_shortfall=row.points_shortfall,
    )


def till_desk(s: Services, uow: UnitOfWork) -> TillDesk:
    return TillDesk(
        uow=uow,
        registry=s.registry,
        ledger=s.ledger,
        returns=PurchaseReturns(clock=s.clock, ledger=s.ledger),
        cipher=s.cipher,
    )
