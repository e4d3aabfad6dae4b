"""Tables of callbacks: tasks, the attempts made on them, and campaigns."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Index, String, Text, text
from sqlmodel import Field, SQLModel

from workbench.db.types import encrypted_column, utc_column


class Reason(StrEnum):
    COMPLAINT_FOLLOW_UP = "complaint_follow_up"
    SATISFACTION_CHECK = "satisfaction_check"
    POINTS_EXPIRING = "points_expiring"
    BIRTHDAY_CARE = "birthday_care"
    TIER_CHANGE = "tier_change"
    CAMPAIGN = "campaign"
    MEMBER_REQUEST = "member_request"


class TaskStatus(StrEnum):
    QUEUED = "queued"
    CLAIMED = "claimed"
    DONE = "done"  # reached (or refused), with the outcome recorded
    UNREACHED = "unreached"  # attempts used up, or a wrong number
    CANCELLED = "cancelled"  # e.g. the member asked not to be called
    # The calling window ended with the task still open. Closing it matters: a member has one
    # open task per reason, so a stale one would block every later task for that reason.
    EXPIRED = "expired"


OPEN_STATUSES = (TaskStatus.QUEUED.value, TaskStatus.CLAIMED.value)


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    CALL_BACK_LATER = "call_back_later"
    REFUSED = "refused"
    DO_NOT_CALL = "do_not_call"


class CampaignStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"


_OPEN = text("status IN ('queued', 'claimed')")


class CallbackTask(SQLModel, table=True):
    __tablename__ = "callback_task"
    __table_args__ = (
        # The claim query: queued work that is due, most important first.
        Index("ix_callback_claim", "status", "team", "next_attempt_at"),
        # ... in the claim's own order, so taking the first callable task reads a few index
        # entries instead of sorting the whole queue under the write lock.
        Index("ix_callback_queue", "status", text("priority DESC"), "next_attempt_at", "id"),
        Index("ix_callback_lease", "status", "lease_until"),
        # Closing tasks whose window has ended (the expiry job).
        Index("ix_callback_window", "status", "latest_at"),
        # A member has at most one open task per reason.
        Index(
            "ux_callback_open_reason",
            "member_id",
            "reason",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    reason: str = Field(max_length=24)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    priority: int = 0  # higher first
    team: str | None = Field(default=None, max_length=50)
    assigned_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    earliest_at: datetime = Field(sa_column=utc_column(nullable=False))
    latest_at: datetime = Field(sa_column=utc_column(nullable=False))
    next_attempt_at: datetime = Field(sa_column=utc_column(nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempts: int = 0
    claimed_by_id: int | None = Field(default=None, foreign_key="staff.id")
    lease_until: datetime | None = Field(default=None, sa_column=utc_column())
    outcome: str | None = Field(default=None, max_length=20)
    feedback_enc: str | None = Field(default=None, sa_column=encrypted_column("callback.feedback"))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())


class CallbackAttempt(SQLModel, table=True):
    __tablename__ = "callback_attempt"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    at: datetime = Field(sa_column=utc_column(nullable=False))
    outcome: str = Field(max_length=20)
    call_back_at: datetime | None = Field(default=None, sa_column=utc_column())
    feedback_enc: str | None = Field(default=None, sa_column=encrypted_column("callback.feedback"))


class Campaign(SQLModel, table=True):
    __tablename__ = "campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    segment: str = Field(sa_column=Column(Text, nullable=False))  # JSON, see segments.py
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date = Field(sa_column=Column(Date, nullable=False))
    daily_capacity: int
    team: str | None = Field(default=None, max_length=50)
    priority: int = 0
    status: str = Field(sa_column=Column(String(16), nullable=False))
    cursor_member_id: int = 0  # members up to this id have been considered
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
