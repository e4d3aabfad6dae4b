"""odoo ticket stages: the complaint state whose Helpdesk stage a ticket was last given

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 08:00:00

Tickets pushed before this have none (NULL): the next push writes the stage of their
complaint's state, so a closed complaint's ticket leaves stage 新建.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_complaint_ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pushed_state", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_complaint_ticket", schema=None) as batch_op:
        batch_op.drop_column("pushed_state")
