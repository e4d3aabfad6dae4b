"""outbox exactly once: fencing tokens, send start times, one SID per row, kept Message-IDs,
and the status callbacks kept (de-duplicated, early ones waiting for their SID)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


# Rows that took the SID of an earlier row (the old look-up matched by To and Body alone) were
# marked sent without being known to have gone: the earliest row keeps the SID, the others are
# failed with the reason, for an operator to retry (`outbox retry --failed`) or leave.
SHARED_SID = sa.text(
    "UPDATE outbox_message SET provider_id = NULL, status = 'failed', "
    "last_error = 'its SID belonged to an earlier message: not known to have gone' "
    "WHERE provider_id IS NOT NULL AND id NOT IN "
    "(SELECT MIN(id) FROM outbox_message WHERE provider_id IS NOT NULL GROUP BY provider_id)"
)


def upgrade() -> None:
    op.execute(SHARED_SID)
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lease_token", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "send_started_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("message_ref", sa.String(length=200), nullable=True))
        batch_op.drop_index(batch_op.f("ix_outbox_message_provider_id"))
        batch_op.create_unique_constraint("uq_outbox_message_provider_id", ["provider_id"])
    op.create_table(
        "outbox_status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=120), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("outbox_status_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_status_event_provider_id"), ["provider_id"], unique=False
        )
    op.create_table(
        "email_bounce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("recipient_enc", sa.Text(), nullable=False),
        sa.Column("at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("member_id"),
    )


def downgrade() -> None:
    op.drop_table("email_bounce")
    with op.batch_alter_table("outbox_status_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_status_event_provider_id"))
    op.drop_table("outbox_status_event")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_message_provider_id", type_="unique")
        batch_op.create_index(
            batch_op.f("ix_outbox_message_provider_id"), ["provider_id"], unique=False
        )
        batch_op.drop_column("message_ref")
        batch_op.drop_column("send_started_at")
        batch_op.drop_column("lease_token")
