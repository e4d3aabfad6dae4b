"""Tables of member activities: the plan, its recorded changes, invitations and sign-ups.

The activity row is what every sign-up locks first (FOR UPDATE on PostgreSQL; SQLite's write
lock covers it); it holds the places taken under `CHECK (taken <= capacity)`, so the database
itself refuses an overbooking. Eligible tiers and stores are comma-separated codes (empty: all).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from workbench.db.types import Money, utc_column


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="ck_activity_capacity_positive"),
        CheckConstraint("taken >= 0", name="ck_activity_taken_not_negative"),
        CheckConstraint("taken <= capacity", name="ck_activity_taken_within_capacity"),
        CheckConstraint("points >= 0", name="ck_activity_points_not_negative"),
        Index("ix_activity_state_start", "state", "starts_at"),
        Index("ix_activity_store_start", "store_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str | None = Field(default=None, sa_column=Column(String(16), unique=True))
    kind: str = Field(sa_column=Column(String(24), nullable=False))
    theme: str = Field(max_length=200)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    starts_at: datetime = Field(sa_column=utc_column(nullable=False))
    ends_at: datetime = Field(sa_column=utc_column(nullable=False))
    # The store that holds it (and whose manager runs it); None: head office.
    store_id: int | None = Field(default=None, foreign_key="store.id")
    place: str = Field(default="", max_length=200)  # where, when not at the store itself
    capacity: int
    taken: int = 0  # confirmed places: the sign-ups' counter, under the CHECK above
    budget: Decimal = Field(sa_column=Column(Money(), nullable=False))
    # What it cost, recorded by the planner after it (None: not recorded yet).
    actual_cost: Decimal | None = Field(default=None, sa_column=Column(Money(), nullable=True))
    eligible_tiers: str = Field(default="", max_length=200)
    eligible_stores: str = Field(default="", max_length=500)
    priority_opens_at: datetime = Field(sa_column=utc_column(nullable=False))
    signup_opens_at: datetime = Field(sa_column=utc_column(nullable=False))
    signup_closes_at: datetime = Field(sa_column=utc_column(nullable=False))
    cancel_until: datetime = Field(sa_column=utc_column(nullable=False))
    points: int = 0
    channels: str = Field(default="sms", max_length=16)  # sms, email or sms,email
    planner_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=utc_column())
    approved_by_id: int | None = Field(default=None, foreign_key="staff.id")
    approved_at: datetime | None = Field(default=None, sa_column=utc_column())
    started_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column())
    cancel_reason: str = Field(default="", max_length=300)


class ActivityChange(SQLModel, table=True):
    """One field of a plan changed: who, when, old → new, and whether it was already approved."""

    __tablename__ = "activity_change"

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id", index=True)
    staff_id: int = Field(foreign_key="staff.id")
    at: datetime = Field(sa_column=utc_column(nullable=False))
    field: str = Field(max_length=32)
    old: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    new: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    after_approval: bool = False


class ActivityInvitation(SQLModel, table=True):
    """A member invited: written set-based for every eligible member, then its messages queued
    a batch at a time (`status` pending → queued, or skipped with the contact policy's reason)."""

    __tablename__ = "activity_invitation"
    __table_args__ = (
        UniqueConstraint("activity_id", "member_id", name="uq_activity_invitation_member"),
        Index("ix_activity_invitation_pending", "activity_id", "status", "priority", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    priority: bool = False  # a priority tier: queued first, and may sign up early
    status: str = Field(sa_column=Column(String(12), nullable=False))
    reason: str = Field(default="", max_length=120)  # why no message was queued
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    queued_at: datetime | None = Field(default=None, sa_column=utc_column())


class ActivitySignup(SQLModel, table=True):
    """A member's place (confirmed), their turn (waitlisted, in `queued_at` order) or a
    cancelled sign-up; one row per member and activity, reused when they sign up again."""

    __tablename__ = "activity_signup"
    __table_args__ = (
        UniqueConstraint("activity_id", "member_id", name="uq_activity_signup_member"),
        Index("ix_activity_signup_queue", "activity_id", "status", "queued_at", "id"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name="ck_activity_signup_satisfaction_range",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activity.id")
    member_id: int = Field(foreign_key="member.id", index=True)
    status: str = Field(sa_column=Column(String(12), nullable=False))
    channel: str = Field(max_length=8)  # staff, sms
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    queued_at: datetime = Field(sa_column=utc_column(nullable=False))  # the waitlist's order
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column())
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column())
    reminded_at: datetime | None = Field(default=None, sa_column=utc_column())
    checked_in_at: datetime | None = Field(default=None, sa_column=utc_column())
    checked_in_by_id: int | None = Field(default=None, foreign_key="staff.id")
    points_entry_id: int | None = Field(default=None, foreign_key="points_entry.id")
    no_show: bool = False
    # The evaluation: the satisfaction message queued after the activity, and the score (1–5)
    # the member gave, by SMS reply or told to staff (the latest one counts).
    surveyed_at: datetime | None = Field(default=None, sa_column=utc_column())
    satisfaction: int | None = None
    satisfaction_by: str = Field(default="", max_length=8)  # sms, staff
    satisfaction_at: datetime | None = Field(default=None, sa_column=utc_column())


__all__ = ["Activity", "ActivityChange", "ActivityInvitation", "ActivitySignup"]
