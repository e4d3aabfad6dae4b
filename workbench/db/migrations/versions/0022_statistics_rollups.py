"""statistics rollups: snapshots of report figures kept by the scheduler

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 06:40:00

The analyst's statistics screen and the year's complaint report read the raw figures of their
default periods from here (workbench/statistics/rollups.py) instead of summing a million
members' purchases and points lines, or a million complaints' hours, at every look.
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("computed_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report", "key", name="uq_report_rollup_key"),
    )


def downgrade() -> None:
    op.drop_table("report_rollup")
