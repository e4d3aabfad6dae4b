"""activity actual cost (issue 18): what the activity cost, recorded by its planner afterwards

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 17:10:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.add_column(sa.Column("actual_cost", workbench.db.types.Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("actual_cost")
