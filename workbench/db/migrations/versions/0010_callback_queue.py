"""callback queue index in the claim's order

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The claim takes the first callable task in (priority desc, next attempt, id) order; with
    # this index it reads a few entries instead of sorting the whole queue under the lock.
    op.create_index(
        "ix_callback_queue",
        "callback_task",
        ["status", sa.text("priority DESC"), "next_attempt_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_callback_queue", table_name="callback_task")
