"""The call bar (issue 17 item 4): when the agent's leg answered, and the call's holds

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("connected_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "hold_started_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("hold_seconds", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.drop_column("hold_seconds")
        batch_op.drop_column("hold_started_at")
        batch_op.drop_column("connected_at")
