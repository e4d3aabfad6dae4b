"""gift catalogue: items with price, stock, tier and limits; redemptions; voucher digests

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import workbench.db.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gift_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label_zh", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("label_en", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("min_tier", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("daily_limit", sa.Integer(), nullable=True),
        sa.Column("total_limit", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="ck_gift_item_stock_not_negative"),
        sa.CheckConstraint("points > 0", name="ck_gift_item_points_positive"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "gift_redemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("points_entry_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("redeemed_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["gift_item.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["points_entry_id"], ["points_entry.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gift_redemption", schema=None) as batch_op:
        batch_op.create_index(
            "ix_gift_redemption_member_item", ["member_id", "item_id", "redeemed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_gift_redemption_item_id"), ["item_id"], unique=False)
    op.create_table(
        "gift_voucher",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("hint", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("issued_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["redemption_id"], ["gift_redemption.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_digest"),
    )
    with op.batch_alter_table("gift_voucher", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gift_voucher_redemption_id"), ["redemption_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("gift_voucher")
    op.drop_table("gift_redemption")
    op.drop_table("gift_item")
