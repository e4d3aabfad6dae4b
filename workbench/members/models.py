"""Tables of the member registry: stores, staff, members, cards, events, purchases, points.

Personal fields live only in `*_enc` columns (AES-GCM, see workbench.crypto); phone and ID
number are found through their `*_bidx` blind-index columns.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, String, Text
from sqlmodel import Field, SQLModel

from workbench.db.types import Money, encrypted_column, utc_column


class StoreKind(StrEnum):
    DIRECT = "direct"
    FRANCHISE = "franchise"
    HEADQUARTERS = "headquarters"  # the hotline and head office: serves members of every store


class Role(StrEnum):
    AGENT = "agent"  # hotline / customer service
    SUPERVISOR = "supervisor"  # customer-service manager
    SALES = "sales"
    STORE_MANAGER = "store_manager"
    DEPARTMENT_HEAD = "department_head"
    ANALYST = "analyst"  # other managers, marketing, HQ analysts: aggregates only
    ADMIN = "admin"


class MemberStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    REJECTED = "rejected"  # sent back to the sales person for correction
    ACTIVE = "active"
    TERMINATED = "terminated"


class Channel(StrEnum):
    ONLINE = "online"
    STORE = "store"
    HOTLINE = "hotline"
    PARTNER = "partner"


class CardStatus(StrEnum):
    ISSUED = "issued"
    ACTIVE = "active"
    LOST = "lost"  # frozen at once when reported; usable again only if found before a reissue
    REPLACED = "replaced"
    DAMAGED = "damaged"  # replaced because it was damaged: never usable again
    TERMINATED = "terminated"


class PointsKind(StrEnum):
    PURCHASE = "purchase"
    REFERRAL = "referral"
    ACTIVITY = "activity"
    REDEMPTION = "redemption"
    EXPIRY = "expiry"
    SETTLEMENT = "settlement"  # remaining points settled at termination
    ADJUSTMENT = "adjustment"
    RETURN = "return"  # points a returned purchase earned, taken back


class Store(SQLModel, table=True):
    __tablename__ = "store"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    name: str = Field(max_length=100)
    kind: StoreKind = Field(sa_column=Column(String(16), nullable=False))
    city: str = Field(default="", max_length=50)
    timezone: str | None = Field(default=None, max_length=50)
    # Staff of this store may only sign in from its registered terminals.
    requires_terminal: bool = False


class Staff(SQLModel, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    display_name: str = Field(max_length=100)
    role: Role = Field(sa_column=Column(String(24), nullable=False, index=True))
    store_id: int | None = Field(default=None, foreign_key="store.id", index=True)
    team: str | None = Field(default=None, max_length=50)
    password_hash: str | None = Field(default=None, max_length=255)
    # Where escalations are e-mailed. Staff contact is not member data, but it is personal:
    # encrypted like a member's (and rotated with the keys), and never logged.
    email_enc: str | None = Field(default=None, sa_column=encrypted_column("staff.email"))
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=utc_column())
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # The desk's language this staff member last chose ("zh-CN" or "en"); None: the setting's.
    language: str | None = Field(default=None, max_length=8)


class Member(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_store_status", "store_id", "status"),
        Index("ix_member_birth_month_day", "birth_month_day"),
        # Covers what the statistics read of every member (workbench/statistics).
        Index("ix_member_statistics", "store_id", "tier_code", "joined_at", "terminated_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_no: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    status: MemberStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    store_id: int = Field(foreign_key="store.id")
    sales_staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    channel: Channel = Field(sa_column=Column(String(16), nullable=False))
    referrer_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    tier_code: str = Field(max_length=32, index=True)
    tier_locked_until: datetime | None = Field(default=None, sa_column=utc_column())
    gender: str | None = Field(default=None, max_length=1)
    # Month and day only ("0315"): what a masked view shows anyway; lets birthday greetings find
    # members without decrypting every row.
    birth_month_day: str | None = Field(default=None, max_length=4)

    name_enc: str | None = Field(default=None, sa_column=encrypted_column("name"))
    phone_enc: str | None = Field(default=None, sa_column=encrypted_column("phone"))
    id_number_enc: str | None = Field(default=None, sa_column=encrypted_column("id_number"))
    email_enc: str | None = Field(default=None, sa_column=encrypted_column("email"))
    address_enc: str | None = Field(default=None, sa_column=encrypted_column("address"))
    birthday_enc: str | None = Field(default=None, sa_column=encrypted_column("birthday"))
    phone_bidx: str | None = Field(default=None, sa_column=Column(String(32), unique=True))
    id_number_bidx: str | None = Field(default=None, sa_column=Column(String(32), unique=True))

    consent_marketing: bool = True
    consent_third_party: bool = False
    do_not_call: bool = False  # asked never to be called again: honoured for good
    sms_opt_out: bool = False  # replied STOP (or asked): no marketing by SMS
    email_opt_out: bool = False
    phone_invalid: bool = False  # the SMS provider said the number cannot receive messages

    submitted_at: datetime = Field(sa_column=utc_column(nullable=False))
    reviewed_at: datetime | None = Field(default=None, sa_column=utc_column())
    reviewed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    rejection_reason: str | None = Field(default=None, max_length=500)
    joined_at: datetime | None = Field(default=None, sa_column=utc_column(index=True))
    termination_reason: str | None = Field(default=None, max_length=32)
    termination_due_at: datetime | None = Field(default=None, sa_column=utc_column())
    terminated_at: datetime | None = Field(default=None, sa_column=utc_column())
    erased_at: datetime | None = Field(default=None, sa_column=utc_column())


class MemberCard(SQLModel, table=True):
    __tablename__ = "member_card"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    card_no: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    status: CardStatus = Field(sa_column=Column(String(16), nullable=False))
    issued_at: datetime = Field(sa_column=utc_column(nullable=False))
    activated_at: datetime | None = Field(default=None, sa_column=utc_column())
    lost_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    replaces_card_id: int | None = Field(default=None, foreign_key="member_card.id")


class MemberEvent(SQLModel, table=True):
    """The member's history: application, review, card steps, tier changes, termination.
    `detail` never holds personal data in clear."""

    __tablename__ = "member_event"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=32)
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    approved_by_id: int | None = Field(default=None, foreign_key="staff.id")
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Purchase(SQLModel, table=True):
    __tablename__ = "purchase"
    # With the amount, the statistics' sums per member read the index alone.
    __table_args__ = (Index("ix_purchase_member_time", "member_id", "occurred_at", "amount"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    store_id: int = Field(foreign_key="store.id", index=True)
    amount: Decimal = Field(sa_column=Column(Money(), nullable=False))
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
    points_earned: int = 0
    external_ref: str | None = Field(default=None, sa_column=Column(String(64), unique=True))


class PointsEntry(SQLModel, table=True):
    """One line of the points ledger. Credits carry their expiry; debits are negative."""

    __tablename__ = "points_entry"
    __table_args__ = (
        # With kind and points, the balance and the statistics read the index alone.
        Index("ix_points_member_time", "member_id", "occurred_at", "kind", "points"),
        Index("ix_points_expires", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    kind: PointsKind = Field(sa_column=Column(String(16), nullable=False))
    points: int
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=utc_column())
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class PointsBalance(SQLModel, table=True):
    """A member's ledger sum, stored: the row every points movement locks first (SELECT … FOR
    UPDATE on PostgreSQL; SQLite's write lock covers it), so one member's points change in one
    transaction at a time, and the database itself refuses a negative balance. It is the sum of
    the lines, expired-but-unrecorded points included: what may be spent now is worked out
    under the lock (see PointsLedger)."""

    __tablename__ = "points_balance"
    __table_args__ = (CheckConstraint("balance >= 0", name="ck_points_balance_not_negative"),)

    member_id: int = Field(
        foreign_key="member.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    balance: int = 0
    version: int = 0  # one more with every movement: a change is never silently lost
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


__all__ = [
    "CardStatus",
    "Channel",
    "Member",
    "MemberCard",
    "MemberEvent",
    "MemberStatus",
    "PointsBalance",
    "PointsEntry",
    "PointsKind",
    "Purchase",
    "Role",
    "Staff",
    "Store",
    "StoreKind",
]
