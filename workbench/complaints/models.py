"""Tables of the complaint workflow. Member text (descriptions, notes, plans, a caller's
contact) is encrypted like the member's personal fields; codes and times stay in clear for the
analysis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, SQLModel

from workbench.db.types import encrypted_column, utc_column


class Complaint(SQLModel, table=True):
    __tablename__ = "complaint"
    __table_args__ = (
        # The escalation sweep: open complaints whose next rung is due.
        Index("ix_complaint_next_escalation", "next_escalation_at"),
        # Covers every column the analysis reads, so reports scan the index, not the table.
        Index(
            "ix_complaint_report",
            "received_at",
            "category",
            "root_cause",
            "department",
            "store_id",
            "channel",
            "state",
            "round",
            "satisfaction",
            "sla_breached",
            "member_id",
            "first_response_at",
            "first_response_due",
            "closed_at",
        ),
        Index("ix_complaint_state_store", "state", "store_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    complaint_no: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    # How to reach a caller who is not a member.
    contact_enc: str | None = Field(default=None, sa_column=encrypted_column("complaint.contact"))
    channel: str = Field(max_length=16)
    category: str = Field(max_length=32, index=True)
    priority: str = Field(max_length=16)
    store_id: int | None = Field(default=None, foreign_key="store.id")
    description_enc: str = Field(sa_column=encrypted_column("complaint.text", nullable=False))
    state: str = Field(sa_column=Column(String(24), nullable=False))
    round: int = 1
    department: str | None = Field(default=None, max_length=32)
    handler_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    root_cause: str | None = Field(default=None, max_length=32)
    responsible_party: str | None = Field(default=None, max_length=100)
    resolution_enc: str | None = Field(default=None, sa_column=encrypted_column("complaint.text"))
    satisfaction: int | None = None  # the latest score, 1–5
    received_at: datetime = Field(sa_column=utc_column(nullable=False))
    received_by_id: int | None = Field(default=None, foreign_key="staff.id")
    round_started_at: datetime = Field(sa_column=utc_column(nullable=False))
    first_response_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_reply_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_reason: str | None = Field(default=None, max_length=300)
    # SLA clocks (business time) and the escalation ladder (see complaints/sla.py).
    sla_paused_seconds: int = 0  # this round's time waiting on the member (resolution clock)
    paused_since: datetime | None = Field(default=None, sa_column=utc_column())
    first_response_due: datetime | None = Field(default=None, sa_column=utc_column())
    # The next-reply clock runs from the last contact with the member (or the member's answer
    # after a wait or a low score); None while it is not running.
    reply_clock_start: datetime | None = Field(default=None, sa_column=utc_column())
    next_reply_due: datetime | None = Field(default=None, sa_column=utc_column())
    resolution_due: datetime | None = Field(default=None, sa_column=utc_column())
    # Rungs reached per clock: 0 none, 1 handler warned, 2 supervisor, 3 department head.
    first_response_level: int = 0
    next_reply_level: int = 0  # back to 0 at each contact
    resolution_level: int = 0
    escalation_level: int = 0  # the highest rung any clock reached this round
    sla_breached: bool = False  # the resolution target was missed in some round
    next_escalation_at: datetime | None = Field(default=None, sa_column=utc_column())


class ComplaintEvent(SQLModel, table=True):
    """One recorded step: who, when, what, the note. Replaying a complaint's events rebuilds it."""

    __tablename__ = "complaint_event"
    __table_args__ = (Index("ix_complaint_event_complaint", "complaint_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id")
    action: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str = Field(max_length=24)
    round: int = 1
    at: datetime = Field(sa_column=utc_column(nullable=False))
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    note_enc: str | None = Field(default=None, sa_column=encrypted_column("complaint.text"))
    data: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Notification(SQLModel, table=True):
    """Something a staff member must see (an escalation); shown in the TUI, later also sent."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient", "staff_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=32)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    message: str = Field(max_length=300)  # never personal data
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=utc_column())


class ComplaintLink(SQLModel, table=True):
    """A call, message or callback task that belongs to a complaint's story."""

    __tablename__ = "complaint_link"
    __table_args__ = (Index("ix_complaint_link", "complaint_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id")
    kind: str = Field(max_length=16)  # call, message, callback
    ref: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
