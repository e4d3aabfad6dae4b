"""key check values (which key file the database belongs to) and the erasure ledger

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row: check values of the key file's keys (never the keys); adopted on first use.
    op.create_table(
        "key_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("adopted_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Member ids and dates only (no foreign key: an entry outlives a restore that lacks it).
    op.create_table(
        "erasure_ledger",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("erased_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("erasure_ledger")
    op.drop_table("key_check")
