"""access limits: per-staff counts of look-ups and reveals per hour, and approval requests

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per staff member, action and clock hour; the unique key is what the counting
    # upsert conflicts on.
    op.create_table(
        "access_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("window_start", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("allowance", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "action", "window_start", name="uq_access_counter"),
    )
    op.create_table(
        "access_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("window_start", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("requested_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extra", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_approval", schema=None) as batch_op:
        batch_op.create_index("ix_access_approval_open", ["status", "window_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_approval_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_approval_staff_id"))
        batch_op.drop_index("ix_access_approval_open")
    op.drop_table("access_approval")
    op.drop_table("access_counter")
