"""odoo business rules: sync issues stay open across runs until resolved or dismissed, and
identity changes pulled from Odoo are held for review

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 06:40:00
"""

import sqlalchemy as sa
from alembic import op

import workbench.db.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Before, each run listed its own issues and older runs' were forgotten: those of each
# direction's latest run stay open, the older ones are closed as resolved at their time.
BACKFILL = (
    "UPDATE crm_sync_issue SET direction = COALESCE((SELECT r.direction FROM crm_sync_run r "
    "WHERE r.id = crm_sync_issue.run_id), ''), last_run_id = run_id",
    "UPDATE crm_sync_issue SET closing = 'resolved', closed_at = at WHERE run_id NOT IN "
    "(SELECT MAX(id) FROM crm_sync_run GROUP BY direction)",
)


def upgrade() -> None:
    with op.batch_alter_table("crm_sync_issue", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("direction", sa.String(length=8), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("last_run_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("seen", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("closed_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closing", sa.String(length=16), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("closed_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_crm_sync_issue_last_run_id", "crm_sync_run", ["last_run_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_crm_sync_issue_closed_by", "staff", ["closed_by"], ["id"])
        batch_op.create_index(
            "ix_crm_sync_issue_open", ["closed_at", "model", "odoo_id"], unique=False
        )
    for statement in BACKFILL:
        op.execute(sa.text(statement))
    op.create_table(
        "crm_identity_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("partner_write_date", sa.String(length=19), nullable=False),
        sa.Column("field_names", sa.String(length=200), nullable=False),
        sa.Column("linked", sa.Boolean(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("held_at", workbench.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", workbench.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["crm_sync_run.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("crm_identity_review", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crm_identity_review_partner", ["partner_id", "partner_write_date"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("crm_identity_review", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_identity_review_partner")
    op.drop_table("crm_identity_review")
    with op.batch_alter_table("crm_sync_issue", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_sync_issue_open")
        batch_op.drop_constraint("fk_crm_sync_issue_closed_by", type_="foreignkey")
        batch_op.drop_constraint("fk_crm_sync_issue_last_run_id", type_="foreignkey")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("closing")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("seen")
        batch_op.drop_column("last_run_id")
        batch_op.drop_column("direction")
