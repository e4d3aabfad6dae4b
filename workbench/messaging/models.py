"""The outbox: a message is stored, rendered and encrypted, in the transaction that decides to
send it; senders claim due rows, send, and record every attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from workbench.db.types import encrypted_column, utc_column


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender (or sent with an unknown outcome: see `ambiguous`)
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"  # permanently
    CANCELLED = "cancelled"


class Purpose(StrEnum):
    TRANSACTIONAL = "transactional"  # always goes (a lost-card freeze notice)
    MARKETING = "marketing"  # respects opt-outs, quiet hours and the frequency cap


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_member", "member_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # a notice to staff
    channel: str = Field(max_length=8)  # sms, email
    template: str = Field(max_length=40)
    language: str = Field(max_length=8)
    purpose: str = Field(max_length=16)
    recipient_enc: str = Field(sa_column=encrypted_column("outbox.recipient", nullable=False))
    subject_enc: str | None = Field(default=None, sa_column=encrypted_column("outbox.subject"))
    body_enc: str = Field(sa_column=encrypted_column("outbox.body", nullable=False))
    html_enc: str | None = Field(default=None, sa_column=encrypted_column("outbox.html"))
    segments: int = 1
    status: str = Field(sa_column=Column(String(12), nullable=False))
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=utc_column(nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=utc_column())
    # The fencing token: bumped on every claim; a sender writes a send's result only while the
    # row still carries the token it claimed it with (a sender whose lease ran out is fenced off).
    lease_token: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    ambiguous: bool = False  # the last send may have left: look it up before any resend
    send_started_at: datetime | None = Field(default=None, sa_column=utc_column())
    # One SID per row: a look-up never hands a message another row holds.
    provider_id: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    message_ref: str | None = Field(default=None, max_length=200)  # e-mail Message-ID, kept
    last_error: str | None = Field(default=None, max_length=300)
    dedupe_key: str | None = Field(default=None, sa_column=Column(String(120), unique=True))
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())
    delivered_at: datetime | None = Field(default=None, sa_column=utc_column())


class OutboxAttempt(SQLModel, table=True):
    __tablename__ = "outbox_attempt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outbox_message.id", index=True)
    at: datetime = Field(sa_column=utc_column(nullable=False))
    result: str = Field(max_length=16)  # sent, retry, failed, ambiguous, found
    detail: str = Field(default="", max_length=300)  # provider code and message, no content


class SenderThrottle(SQLModel, table=True):
    """When a sender (a from-number, the SMTP server) may send next: shared by all processes."""

    __tablename__ = "sender_throttle"

    sender: str = Field(sa_column=Column(String(64), primary_key=True))
    next_allowed_at: datetime = Field(sa_column=utc_column(nullable=False))


class StatusEvent(SQLModel, table=True):
    """A provider's status callback, kept: its idempotency token de-duplicates a callback that
    arrives twice, and one that arrives before its SID is recorded waits here (applied=False)
    until the sender records the SID."""

    __tablename__ = "outbox_status_event"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(sa_column=Column(String(120), nullable=False, unique=True))
    provider_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    status: str = Field(max_length=16)
    at: datetime = Field(sa_column=utc_column(nullable=False))
    applied: bool = False


class EmailBounce(SQLModel, table=True):
    """A member's e-mail address that hard-bounced (5xx at RCPT): no more mail goes to it.
    A different address on file later is not blocked."""

    __tablename__ = "email_bounce"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    recipient_enc: str = Field(sa_column=encrypted_column("outbox.recipient", nullable=False))
    at: datetime = Field(sa_column=utc_column(nullable=False))
