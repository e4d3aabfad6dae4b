"""points balance: one stored row per member, locked by every points movement, never negative

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

points_entry = sa.table(
    "points_entry",
    sa.column("member_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("points", sa.Integer()),
    sa.column("occurred_at", workbench.db.types.UTCDateTime()),
    sa.column("expires_at", workbench.db.types.UTCDateTime()),
    sa.column("detail", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "points_balance",
        sa.Column("member_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_points_balance_not_negative"),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("member_id"),
    )
    now = datetime.now(UTC)
    connection = op.get_bind()
    # Concurrent redemptions (issue 23) may have left a member's lines summing below zero: the
    # gifts were handed out, so the ledger gets a correcting line that brings the sum back to
    # zero. It expires at once, so it can never be spent and nothing of it is left to expire.
    total = sa.func.sum(points_entry.c.points)
    negative = connection.execute(
        sa.select(points_entry.c.member_id, total)
        .group_by(points_entry.c.member_id)
        .having(total < 0)
    ).all()
    if negative:
        connection.execute(
            points_entry.insert(),
            [
                {
                    "member_id": member_id,
                    "kind": "adjustment",
                    "points": -int(sum_of_lines),
                    "occurred_at": now,
                    "expires_at": now,
                    "detail": "correction: the balance was below zero (concurrent redemptions)",
                }
                for member_id, sum_of_lines in negative
            ],
        )
    points_balance = sa.table(
        "points_balance",
        sa.column("member_id", sa.Integer()),
        sa.column("balance", sa.Integer()),
        sa.column("version", sa.Integer()),
        sa.column("updated_at", workbench.db.types.UTCDateTime()),
    )
    connection.execute(
        points_balance.insert().from_select(
            ["member_id", "balance", "version", "updated_at"],
            sa.select(
                points_entry.c.member_id,
                total,
                sa.literal(0),
                sa.bindparam("now", now, type_=workbench.db.types.UTCDateTime()),
            ).group_by(points_entry.c.member_id),
        )
    )


def downgrade() -> None:
    op.drop_table("points_balance")
