"""fix56: callback tasks expire when their window ends; every SLA clock escalates;
escalations are e-mailed to staff (staff e-mail, outbox messages to staff)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 08:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import workbench.db.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('callback_task', schema=None) as batch_op:
        batch_op.create_index('ix_callback_window', ['status', 'latest_at'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_clock_start', workbench.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_reply_due', workbench.db.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('first_response_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_reply_level', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('resolution_level', sa.Integer(), nullable=False, server_default='0'))
    # Until now the one ladder was the resolution clock's. The next-reply clock of a complaint
    # already open starts at its next contact (starting it from an old contact would flood the
    # supervisors with escalations on the day of the upgrade).
    op.execute("UPDATE complaint SET resolution_level = escalation_level")

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_enc', sa.Text(), nullable=True))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_outbox_message_staff_id_staff', 'staff', ['staff_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_message_staff_id_staff', type_='foreignkey')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('email_enc')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('resolution_level')
        batch_op.drop_column('next_reply_level')
        batch_op.drop_column('first_response_level')
        batch_op.drop_column('next_reply_due')
        batch_op.drop_column('reply_clock_start')

    with op.batch_alter_table('callback_task', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_window')
