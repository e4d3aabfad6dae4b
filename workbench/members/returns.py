"""Receipts and returns at a store's till.

A till's receipt number is the store's own: two stores may both print receipt 0001. It is kept
in the purchase's `external_ref` (unique) as `receipt:<store code>:<receipt>`, beside the orders
taken from Odoo (`odoo:<model>:<id>`), so one unique index makes both idempotent and a return
names either the same way: a till receipt at its store, or an Odoo order by its reference.

A return (or cancellation: a return of the whole purchase) takes back the points the returned
part earned, in proportion, counted on the running total returned so that the returns of a
whole purchase take back exactly what it earned. It is done under the member's ledger lock,
taken before "returned so far" is read: two returns of one purchase run one after the other,
and the database backs that up (`PurchaseReturn`'s numbering and CHECK). The points taken back
are never more than the member may spend now; the rest, already spent, is the return's
shortfall: recorded on the return and shown, not taken later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.errors import ValidationError
from workbench.members.models import Purchase
from workbench.members.points import PointsLedger, checked_amount
from workbench.members.return_models import PurchaseReturn

RECEIPT_PREFIX = "receipt:"
ODOO_PREFIX = "odoo:"
# What a till prints: letters, digits and a few separators; short enough for `external_ref`.
REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/#-]{0,39}")
ODOO_REFERENCE = re.compile(r"odoo:[a-z_.]{1,30}:[0-9]{1,20}")


def checked_reference(field: str, text: str | None) -> str:
    reference = (text or "").strip()
    if not REFERENCE.fullmatch(reference):
        raise ValidationError(
            field, "must be 1–40 letters or digits (and . _ / # -), as printed on the slip"
        )
    return reference


def receipt_key(store_code: str, receipt: str) -> str:
    """The `external_ref` of a till receipt of a store."""
    return f"{RECEIPT_PREFIX}{store_code}:{checked_reference('receipt', receipt)}"


def receipt_shown(purchase: Purchase) -> str:
    """A purchase's receipt as staff know it: the till's number, or the Odoo order reference."""
    ref = purchase.external_ref
    if ref is None:
        return "—"
    if ref.startswith(RECEIPT_PREFIX):
        return ref.split(":", 2)[2]
    return ref


def find_purchase(session: Session, store_code: str | None, receipt: str) -> Purchase | None:
    """The purchase of a till receipt at `store_code`, or of an Odoo order by its reference."""
    text = (receipt or "").strip()
    if text.startswith(ODOO_PREFIX):
        if not ODOO_REFERENCE.fullmatch(text):
            raise ValidationError("receipt", "an Odoo order reference reads odoo:<model>:<id>")
        key = text
    elif store_code is None:
        raise ValidationError("store", "choose the store of the receipt")
    else:
        key = receipt_key(store_code, text)
    return session.scalar(select(Purchase).where(col(Purchase.external_ref) == key))


def points_due(earned: int, amount: Decimal, before: Decimal, after: Decimal) -> int:
    """The points a return of (after - before) of a purchase of `amount` takes back: the share
    of `earned` up to `after` less the share up to `before`, each rounded down, in fen."""
    total, done, now = (int(x * 100) for x in (amount, before, after))
    return earned * now // total - earned * done // total


@dataclass(frozen=True)
class ReturnTaken:
    row: PurchaseReturn
    repeated: bool  # True: this return reference was recorded before; `row` is that recording


class PurchaseReturns:
    def __init__(self, *, clock: Clock, ledger: PointsLedger) -> None:
        self.clock = clock
        self.ledger = ledger

    def take(
        self,
        session: Session,
        *,
        purchase: Purchase,
        amount: Decimal | str,
        return_ref: str,
        staff_id: int | None,
    ) -> ReturnTaken:
        """Records the return of `amount` of `purchase` under the return's own reference
        (idempotent: the same reference, purchase and amount again give the first recording)
        and takes back the points it earned, as far as the member has them."""
        amount = checked_amount(amount)
        ref = checked_reference("return_ref", return_ref)
        purchase_id = saved_id(purchase)
        spendable = self.ledger.lock_for_return(session, purchase.member_id)
        session.execute(  # the purchase row too (PostgreSQL): returns of it go one at a time
            select(col(Purchase.id)).where(col(Purchase.id) == purchase_id).with_for_update()
        )
        earlier = session.scalar(
            select(PurchaseReturn).where(
                col(PurchaseReturn.store_id) == purchase.store_id,
                col(PurchaseReturn.return_ref) == ref,
            )
        )
        if earlier is not None:
            if earlier.purchase_id == purchase_id and earlier.amount == amount:
                return ReturnTaken(earlier, repeated=True)
            raise ValidationError(
                "return_ref",
                f"return {ref} is already recorded, for another receipt or amount: "
                "check the return slip's number",
            )
        last = session.scalar(
            select(PurchaseReturn)
            .where(col(PurchaseReturn.purchase_id) == purchase_id)
            .order_by(col(PurchaseReturn.seq).desc())
            .limit(1)
        )
        before = last.returned_total if last is not None else Decimal("0.00")
        after = before + amount
        if after > purchase.amount:
            raise ValidationError(
                "amount",
                f"the purchase was {purchase.amount} yuan and {before} is already returned: "
                f"at most {purchase.amount - before} can be returned",
            )
        due = points_due(purchase.points_earned, purchase.amount, before, after)
        taken = min(due, max(spendable, 0))
        row = PurchaseReturn(
            purchase_id=purchase_id,
            seq=(last.seq + 1) if last is not None else 1,
            member_id=purchase.member_id,
            store_id=purchase.store_id,
            return_ref=ref,
            amount=amount,
            returned_total=after,
            purchase_amount=purchase.amount,
            points_reversed=taken,
            points_shortfall=due - taken,
            staff_id=staff_id,
            occurred_at=self.clock.now(),
        )
        session.add(row)
        session.flush()
        if taken:
            self.ledger.take_back_locked(
                session,
                member_id=purchase.member_id,
                purchase_id=purchase_id,
                points=taken,
                staff_id=staff_id,
                detail=f"return {ref}",
            )
        return ReturnTaken(row, repeated=False)

    def of_purchases(
        self, session: Session, purchase_ids: list[int]
    ) -> dict[int, list[PurchaseReturn]]:
        """The returns of each purchase, in order."""
        found: dict[int, list[PurchaseReturn]] = {p: [] for p in purchase_ids}
        if purchase_ids:
            rows = session.scalars(
                select(PurchaseReturn)
                .where(col(PurchaseReturn.purchase_id).in_(purchase_ids))
                .order_by(col(PurchaseReturn.purchase_id), col(PurchaseReturn.seq))
            )
            for row in rows:
                found[row.purchase_id].append(row)
        return found
