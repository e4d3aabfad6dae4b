"""agent states: each hotline agent's state now and the log of every period in a state
(issue 17 items 4-5: call bar, wrap-up, routing)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 11:45:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call") as batch:
        batch.add_column(sa.Column("disposition", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("wrap_note_enc", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("wrapped_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "agent_presence",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("since", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_index("ix_agent_presence_state", "agent_presence", ["state"])
    op.create_table(
        "agent_state_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("started_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["call.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agent_state_log_staff", "agent_state_log", ["staff_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_agent_state_log_staff", table_name="agent_state_log")
    op.drop_table("agent_state_log")
    op.drop_index("ix_agent_presence_state", table_name="agent_presence")
    op.drop_table("agent_presence")
    with op.batch_alter_table("call") as batch:
        batch.drop_column("wrapped_at")
        batch.drop_column("wrap_note_enc")
        batch.drop_column("disposition")
