"""Tables of member-data protection: terminals, staff sessions, access grants, reveals,
change requests, third-party shares and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from workbench.db.types import encrypted_column, utc_column


class GrantSource(StrEnum):
    CALLBACK = "callback"  # claiming a callback task
    CALL = "call"  # an active call popped on the agent's screen
    TICKET = "ticket"  # a complaint assigned to the staff member
    LOOKUP = "lookup"  # an exact search by phone or card number
    MANUAL = "manual"  # created by an administrator, with a reason


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Terminal(SQLModel, table=True):
    """A workstation allowed to sign in where the store requires registered terminals."""

    __tablename__ = "terminal"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    store_id: int | None = Field(default=None, foreign_key="store.id", index=True)
    secret_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    registered_at: datetime = Field(sa_column=utc_column(nullable=False))
    registered_by_id: int | None = Field(default=None, foreign_key="staff.id")
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())


class StaffSession(SQLModel, table=True):
    __tablename__ = "staff_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    staff_id: int = Field(foreign_key="staff.id", index=True)
    terminal_id: int | None = Field(default=None, foreign_key="terminal.id")
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    last_seen_at: datetime = Field(sa_column=utc_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=utc_column())


class AccessGrant(SQLModel, table=True):
    """One staff member may see one member's listed fields from `starts_at` until `ends_at`."""

    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_grant_staff_member", "staff_id", "member_id", "ends_at"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    fields: str = Field(max_length=200)  # comma-separated personal field names
    source: GrantSource = Field(sa_column=Column(String(16), nullable=False))
    source_ref: str | None = Field(default=None, max_length=64)  # task id, call SID, ticket no
    reason: str = Field(default="", max_length=300)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    starts_at: datetime = Field(sa_column=utc_column(nullable=False))
    ends_at: datetime = Field(sa_column=utc_column(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())
    revoked_by_id: int | None = Field(default=None, foreign_key="staff.id")

    @property
    def field_names(self) -> frozenset[str]:
        return frozenset(f for f in self.fields.split(",") if f)


class Reveal(SQLModel, table=True):
    """One field of one member shown unmasked to one staff member, for a stated reason."""

    __tablename__ = "reveal"
    __table_args__ = (Index("ix_reveal_staff_member", "staff_id", "member_id", "until"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    member_id: int = Field(foreign_key="member.id")
    field: str = Field(max_length=20)
    reason: str = Field(max_length=300)
    since: datetime = Field(sa_column=utc_column(nullable=False))
    until: datetime = Field(sa_column=utc_column(nullable=False))


class ChangeRequest(SQLModel, table=True):
    """A change to a member's personal data, applied only once a second person approves it."""

    __tablename__ = "change_request"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    field: str = Field(max_length=20)
    old_value_masked: str | None = Field(default=None, max_length=300)
    new_value_masked: str | None = Field(default=None, max_length=300)
    new_value_enc: str | None = Field(default=None, sa_column=encrypted_column(field_from="field"))
    reason: str = Field(default="", max_length=300)
    status: ChangeStatus = Field(sa_column=Column(String(16), nullable=False, index=True))
    requested_by_id: int = Field(foreign_key="staff.id")
    requested_at: datetime = Field(sa_column=utc_column(nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column())
    decision_note: str | None = Field(default=None, max_length=300)


class ThirdPartyShare(SQLModel, table=True):
    """Member data given to a third party under an agreement, with the member's consent."""

    __tablename__ = "third_party_share"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    partner: str = Field(max_length=100)
    agreement_ref: str = Field(max_length=100)
    fields: str = Field(max_length=200)
    shared_by_id: int = Field(foreign_key="staff.id")
    shared_at: datetime = Field(sa_column=utc_column(nullable=False))
