"""staff.language: the desk language each staff member chose (issue 17 item 8)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch would recreate `staff`, and
    # dropping the old table fails while other tables' foreign keys point at it.
    op.execute("ALTER TABLE staff DROP COLUMN language")
