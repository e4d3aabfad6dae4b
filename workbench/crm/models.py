"""Tables of the Odoo sync. They hold ids, positions, keyed digests and service data only: a
member's personal data stays encrypted on the member row, and reasons are the workbench's own
words (never a value from the record)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from workbench.db.types import utc_column


class PartnerLink(SQLModel, table=True):
    """A member whose master record is an Odoo partner."""

    __tablename__ = "crm_partner_link"

    member_id: int = Field(primary_key=True, foreign_key="member.id")
    partner_id: int = Field(sa_column=Column(Integer, unique=True, nullable=False))
    # Keyed digest (blind-index key) of the contact data as last taken from Odoo: tells whether
    # Odoo changed it since, and whether someone changed it here.
    master_digest: str = Field(max_length=32)
    # The member's digest last reported as changed here (so that conflict is logged once).
    reported_digest: str | None = Field(default=None, max_length=32)
    partner_write_date: str = Field(max_length=19)
    # Orders made before the link was made still have to be fetched.
    orders_backfill: bool = False
    # What was last written to the partner; None: not yet. push_due: write again even if equal
    # (someone changed it in Odoo).
    pushed_tier: str | None = Field(default=None, max_length=32)
    pushed_points: int | None = None
    pushed_sms_opt_out: bool | None = None
    pushed_email_opt_out: bool | None = None
    pushed_do_not_call: bool | None = None
    push_due: bool = False
    linked_at: datetime = Field(sa_column=utc_column(nullable=False))
    pulled_at: datetime = Field(sa_column=utc_column(nullable=False))
    pushed_at: datetime | None = Field(default=None, sa_column=utc_column())


class SyncCursor(SQLModel, table=True):
    """How far the incremental read of one Odoo model has come: every record written before
    `second` has been taken; while a crowded second is read by id, `last_id` is where it is."""

    __tablename__ = "crm_sync_cursor"

    model: str = Field(primary_key=True, max_length=64)
    second: str = Field(default="", max_length=19)
    last_id: int | None = None
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class ComplaintTicket(SQLModel, table=True):
    """A complaint pushed to Odoo Helpdesk. The row is written before the ticket is created, so
    a run that died in between finds the ticket by its name instead of making a second one."""

    __tablename__ = "crm_complaint_ticket"

    complaint_id: int = Field(primary_key=True, foreign_key="complaint.id")
    ticket_id: int | None = Field(default=None, sa_column=Column(Integer, unique=True))
    attempted_at: datetime = Field(sa_column=utc_column(nullable=False))
    pushed_at: datetime | None = Field(default=None, sa_column=utc_column())
    # The complaint's state whose Helpdesk stage the ticket was last given; None: not known (a
    # ticket made before stages were pushed, or found by name): its stage is written next push.
    pushed_state: str | None = Field(default=None, max_length=24)


class SyncRun(SQLModel, table=True):
    __tablename__ = "crm_sync_run"

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=8)  # pull, push
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=utc_column())
    actor_id: int | None = Field(default=None, foreign_key="staff.id")  # None: the scheduler
    outcome: str = Field(default="running", max_length=16)  # running, ok, incomplete, failed
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    round_trips: int = 0


class SyncIssue(SQLModel, table=True):
    """A record skipped (it failed validation, or Odoo refused it) or a conflict between what
    Odoo and the workbench hold. It stays open, met again by later runs (`last_run_id`,
    `seen`), until it is resolved (the record went through) or an administrator dismisses it."""

    __tablename__ = "crm_sync_issue"
    __table_args__ = (
        Index("ix_crm_sync_issue_run", "run_id", "id"),
        Index("ix_crm_sync_issue_open", "closed_at", "model", "odoo_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="crm_sync_run.id")
    at: datetime = Field(sa_column=utc_column(nullable=False))
    kind: str = Field(max_length=16)  # skipped, conflict
    model: str = Field(max_length=64)
    odoo_id: int | None = None
    member_id: int | None = Field(default=None, foreign_key="member.id")
    field_names: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    reason: str = Field(max_length=300)
    direction: str = Field(default="", max_length=8)  # pull, push: the side that met it
    # The record as it was met (a partner's write_date, a digest of the values pushed): a
    # dismissed issue is not opened again by the same version read once more.
    record_version: str = Field(default="", max_length=32)
    last_run_id: int | None = Field(default=None, foreign_key="crm_sync_run.id")
    seen: int = 1  # runs that met it
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    closing: str = Field(default="", max_length=16)  # "" open, resolved, dismissed
    closed_by: int | None = Field(default=None, foreign_key="staff.id")


class IdentityReview(SQLModel, table=True):
    """A pulled partner that would change who a member is (another name or ID-card number on
    the member's mobile, or on the member's own partner): held, never applied, until customer
    service applies or rejects it. Holds ids and field names only; applying reads the partner
    from Odoo again."""

    __tablename__ = "crm_identity_review"
    __table_args__ = (Index("ix_crm_identity_review_partner", "partner_id", "partner_write_date"),)

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int
    member_id: int = Field(foreign_key="member.id")
    partner_write_date: str = Field(max_length=19)  # the partner as it was held
    field_names: str = Field(max_length=200)  # name, id_number
    linked: bool = False  # the member's own partner changed (else: a partner on their mobile)
    run_id: int = Field(foreign_key="crm_sync_run.id")
    held_at: datetime = Field(sa_column=utc_column(nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending, applied, rejected
    decided_at: datetime | None = Field(default=None, sa_column=utc_column())
    decided_by: int | None = Field(default=None, foreign_key="staff.id")
