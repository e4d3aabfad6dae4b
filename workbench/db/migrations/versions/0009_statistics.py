"""statistics: covering indexes for the member aggregates

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 08:20:00.000000

The statistics read every member's store, tier and membership dates, and sum purchases and
points per member. Without these, SQLite walks the (wide, encrypted) member rows and looks up
each purchase and points line in its table: on 1,000,000 members the member pass went from
about 5 s to 0.3 s, purchases and points from about 6 s to 3 s each (docs/benchmarks.md).
The purchase and points indexes keep their names and leading columns, so every query that used
them still does; they only gain the columns the sums read.
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_member_statistics', 'member',
                    ['store_id', 'tier_code', 'joined_at', 'terminated_at', 'id'], unique=False)
    op.drop_index('ix_purchase_member_time', table_name='purchase')
    op.create_index('ix_purchase_member_time', 'purchase', ['member_id', 'occurred_at', 'amount'],
                    unique=False)
    op.drop_index('ix_points_member_time', table_name='points_entry')
    op.create_index('ix_points_member_time', 'points_entry',
                    ['member_id', 'occurred_at', 'kind', 'points'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_points_member_time', table_name='points_entry')
    op.create_index('ix_points_member_time', 'points_entry', ['member_id', 'occurred_at'],
                    unique=False)
    op.drop_index('ix_purchase_member_time', table_name='purchase')
    op.create_index('ix_purchase_member_time', 'purchase', ['member_id', 'occurred_at'],
                    unique=False)
    op.drop_index('ix_member_statistics', table_name='member')
