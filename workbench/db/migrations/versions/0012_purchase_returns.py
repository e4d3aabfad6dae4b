"""purchase returns: a return or cancellation of (part of) a purchase, never beyond its amount

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purchase_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purchase_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("return_ref", sa.String(length=40), nullable=False),
        sa.Column("amount", workbench.db.types.Money(), nullable=False),
        sa.Column("returned_total", workbench.db.types.Money(), nullable=False),
        sa.Column("purchase_amount", workbench.db.types.Money(), nullable=False),
        sa.Column("points_reversed", sa.Integer(), nullable=False),
        sa.Column("points_shortfall", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_purchase_return_amount"),
        sa.CheckConstraint(
            "returned_total <= purchase_amount", name="ck_purchase_return_within_purchase"
        ),
        sa.CheckConstraint(
            "points_reversed >= 0 AND points_shortfall >= 0", name="ck_purchase_return_points"
        ),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["purchase_id"], ["purchase.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("purchase_id", "seq", name="uq_purchase_return_seq"),
        sa.UniqueConstraint("store_id", "return_ref", name="uq_purchase_return_ref"),
    )
    op.create_index("ix_purchase_return_member_id", "purchase_return", ["member_id"])
    op.create_index("ix_purchase_return_purchase_id", "purchase_return", ["purchase_id"])


def downgrade() -> None:
    op.drop_index("ix_purchase_return_purchase_id", table_name="purchase_return")
    op.drop_index("ix_purchase_return_member_id", table_name="purchase_return")
    op.drop_table("purchase_return")
