"""The table of returns: each return or cancellation of (part of) a purchase, with the points it
took back and those it could not (already spent).

The database itself keeps a purchase from being returned beyond its amount: the returns of one
purchase are numbered (`seq`, unique per purchase) and each carries the running total returned
with it, which may not pass the purchase's amount. Two returns that both read "returned so far"
before either commits would both take the same number; the second is refused. (The ledger lock
taken first means this never happens in practice: it backs the lock up.)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from workbench.db.types import Money, utc_column


class PurchaseReturn(SQLModel, table=True):
    __tablename__ = "purchase_return"
    __table_args__ = (
        UniqueConstraint("purchase_id", "seq", name="uq_purchase_return_seq"),
        # A return reference is the store's own number (its refund slip): unique per store.
        UniqueConstraint("store_id", "return_ref", name="uq_purchase_return_ref"),
        CheckConstraint("amount > 0", name="ck_purchase_return_amount"),
        CheckConstraint(
            "returned_total <= purchase_amount", name="ck_purchase_return_within_purchase"
        ),
        CheckConstraint(
            "points_reversed >= 0 AND points_shortfall >= 0", name="ck_purchase_return_points"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    purchase_id: int = Field(foreign_key="purchase.id", index=True)
    seq: int  # 1 for the purchase's first return, 2 for the next…
    member_id: int = Field(foreign_key="member.id", index=True)
    store_id: int = Field(foreign_key="store.id")  # the store of the purchase's receipt
    return_ref: str = Field(sa_column=Column(String(40), nullable=False))
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    returned_total: Decimal = Field(sa_column=Column(Money(), nullable=False))  # with this one
    purchase_amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    points_reversed: int = 0  # taken back from the member's balance
    points_shortfall: int = 0  # due back but already spent: recorded, not taken
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))


__all__ = ["PurchaseReturn"]
