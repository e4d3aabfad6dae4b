"""assigned agents and call routes: each member's 专属客服 and the route each call took
(issue 17 item 5: routing by tier)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 17:30:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call") as batch:
        batch.add_column(sa.Column("route", sa.String(length=16), nullable=True))
    op.create_table(
        "assigned_agent",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("member_id"),
    )
    op.create_index("ix_assigned_agent_staff_id", "assigned_agent", ["staff_id"])


def downgrade() -> None:
    op.drop_index("ix_assigned_agent_staff_id", table_name="assigned_agent")
    op.drop_table("assigned_agent")
    with op.batch_alter_table("call") as batch:
        batch.drop_column("route")
