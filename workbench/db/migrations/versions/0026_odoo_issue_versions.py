"""odoo issue versions: the version of the record an issue was met on (issue 19)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 17:10:00

A dismissed issue is not opened again when a pull reads the same version of its record once
more (pulls read back the overlap); issues recorded before this have none ("") and are
matched as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crm_sync_issue", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_version", sa.String(length=32), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("crm_sync_issue", schema=None) as batch_op:
        batch_op.drop_column("record_version")
