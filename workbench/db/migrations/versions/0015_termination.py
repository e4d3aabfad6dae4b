"""termination cases: a member's request, the notice given, a withdrawal, the termination

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "termination_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note_enc", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "requested_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("notice_by_id", sa.Integer(), nullable=True),
        sa.Column("notice_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("due_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["notice_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_termination_case_member_id", "termination_case", ["member_id"], unique=False
    )
    op.create_index(
        "ix_termination_case_status_due",
        "termination_case",
        ["status", "due_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_termination_case_status_due", table_name="termination_case")
    op.drop_index("ix_termination_case_member_id", table_name="termination_case")
    op.drop_table("termination_case")
