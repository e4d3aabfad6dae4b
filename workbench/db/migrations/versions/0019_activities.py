"""member activities: plans, their changes, invitations and sign-ups

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import workbench.db.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = workbench.db.types.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("theme", text(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("starts_at", utc(timezone=True), nullable=False),
        sa.Column("ends_at", utc(timezone=True), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("place", text(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.Column("budget", workbench.db.types.Money(), nullable=False),
        sa.Column("eligible_tiers", text(length=200), nullable=False),
        sa.Column("eligible_stores", text(length=500), nullable=False),
        sa.Column("priority_opens_at", utc(timezone=True), nullable=False),
        sa.Column("signup_opens_at", utc(timezone=True), nullable=False),
        sa.Column("signup_closes_at", utc(timezone=True), nullable=False),
        sa.Column("cancel_until", utc(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("channels", text(length=16), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", utc(timezone=True), nullable=False),
        sa.Column("submitted_at", utc(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", utc(timezone=True), nullable=True),
        sa.Column("started_at", utc(timezone=True), nullable=True),
        sa.Column("closed_at", utc(timezone=True), nullable=True),
        sa.Column("cancelled_at", utc(timezone=True), nullable=True),
        sa.Column("cancel_reason", text(length=300), nullable=False),
        sa.CheckConstraint("capacity > 0", name="ck_activity_capacity_positive"),
        sa.CheckConstraint("taken >= 0", name="ck_activity_taken_not_negative"),
        sa.CheckConstraint("taken <= capacity", name="ck_activity_taken_within_capacity"),
        sa.CheckConstraint("points >= 0", name="ck_activity_points_not_negative"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["planner_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_activity_state_start", "activity", ["state", "starts_at"])
    op.create_index("ix_activity_store_start", "activity", ["store_id", "starts_at"])
    op.create_table(
        "activity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("at", utc(timezone=True), nullable=False),
        sa.Column("field", text(length=32), nullable=False),
        sa.Column("old", sa.Text(), nullable=False),
        sa.Column("new", sa.Text(), nullable=False),
        sa.Column("after_approval", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_change_activity_id", "activity_change", ["activity_id"])
    op.create_table(
        "activity_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", text(length=120), nullable=False),
        sa.Column("created_at", utc(timezone=True), nullable=False),
        sa.Column("queued_at", utc(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "member_id", name="uq_activity_invitation_member"),
    )
    op.create_index(
        "ix_activity_invitation_pending",
        "activity_invitation",
        ["activity_id", "status", "priority", "id"],
    )
    op.create_index("ix_activity_invitation_member_id", "activity_invitation", ["member_id"])
    op.create_table(
        "activity_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", text(length=8), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("queued_at", utc(timezone=True), nullable=False),
        sa.Column("confirmed_at", utc(timezone=True), nullable=True),
        sa.Column("cancelled_at", utc(timezone=True), nullable=True),
        sa.Column("reminded_at", utc(timezone=True), nullable=True),
        sa.Column("checked_in_at", utc(timezone=True), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column("points_entry_id", sa.Integer(), nullable=True),
        sa.Column("no_show", sa.Boolean(), nullable=False),
        sa.Column("surveyed_at", utc(timezone=True), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("satisfaction_by", text(length=8), nullable=False),
        sa.Column("satisfaction_at", utc(timezone=True), nullable=True),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name="ck_activity_signup_satisfaction_range",
        ),
        sa.ForeignKeyConstraint(["activity_id"], ["activity.id"]),
        sa.ForeignKeyConstraint(["checked_in_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["points_entry_id"], ["points_entry.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "member_id", name="uq_activity_signup_member"),
    )
    op.create_index(
        "ix_activity_signup_queue", "activity_signup", ["activity_id", "status", "queued_at", "id"]
    )
    op.create_index("ix_activity_signup_member_id", "activity_signup", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_activity_signup_member_id", table_name="activity_signup")
    op.drop_index("ix_activity_signup_queue", table_name="activity_signup")
    op.drop_table("activity_signup")
    op.drop_index("ix_activity_invitation_member_id", table_name="activity_invitation")
    op.drop_index("ix_activity_invitation_pending", table_name="activity_invitation")
    op.drop_table("activity_invitation")
    op.drop_index("ix_activity_change_activity_id", table_name="activity_change")
    op.drop_table("activity_change")
    op.drop_index("ix_activity_store_start", table_name="activity")
    op.drop_index("ix_activity_state_start", table_name="activity")
    op.drop_table("activity")
