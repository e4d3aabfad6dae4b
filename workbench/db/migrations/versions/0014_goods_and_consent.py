"""stored goods (lots kept at a store, their pick-ups, reminders) and consent records

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 11:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import workbench.db.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_goods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("item", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("initial_quantity", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kept_since", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("pick_up_by", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "overdue_reminded_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint("quantity >= 0", name="ck_stored_goods_quantity_not_negative"),
        sa.CheckConstraint(
            "quantity <= initial_quantity", name="ck_stored_goods_quantity_at_most_kept"
        ),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stored_goods_member", "stored_goods", ["member_id", "status"])
    op.create_index("ix_stored_goods_store", "stored_goods", ["store_id", "status", "pick_up_by"])
    op.create_index("ix_stored_goods_due", "stored_goods", ["status", "pick_up_by"])
    op.create_table(
        "goods_pickup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goods_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("picked_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("settled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["goods_id"], ["stored_goods.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_goods_pickup_goods_id", "goods_pickup", ["goods_id"])
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_consent_member_kind", "consent_record", ["member_id", "kind", "id"])


def downgrade() -> None:
    op.drop_index("ix_consent_member_kind", table_name="consent_record")
    op.drop_table("consent_record")
    op.drop_index("ix_goods_pickup_goods_id", table_name="goods_pickup")
    op.drop_table("goods_pickup")
    op.drop_index("ix_stored_goods_due", table_name="stored_goods")
    op.drop_index("ix_stored_goods_store", table_name="stored_goods")
    op.drop_index("ix_stored_goods_member", table_name="stored_goods")
    op.drop_table("stored_goods")
