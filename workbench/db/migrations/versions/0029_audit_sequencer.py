"""audit sequencer: entries appended without the head lock, chained in batches (issue 21 goal 1)

`audit_pending` holds entries written while another transaction held the chain head; each row
is sealed on its own (an HMAC over its id and content with the audit key). Whoever holds the
head next chains them into audit_entry, in id order, and deletes them (workbench.audit.chain).
Ids come from `audit_pending_id_seq`, drawn by the writer before it seals the row.

On PostgreSQL a trigger refuses UPDATE and TRUNCATE of pending rows (the sequencer only inserts
and deletes them), as audit_entry refuses changes (revision 0016).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

NO_CHANGE = """
CREATE OR REPLACE FUNCTION audit_pending_no_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_pending rows are chained or kept, never changed: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

TRIGGERS = [
    "CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending "
    "FOR EACH ROW EXECUTE FUNCTION audit_pending_no_change()",
    "CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON audit_pending "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_pending_no_change()",
]


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("key_version", sa.String(length=16), nullable=False),
        sa.Column("seal", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE audit_pending_id_seq AS bigint OWNED BY audit_pending.id")
        op.execute(NO_CHANGE)
        for statement in TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    # Entries not chained yet would be lost with the table: they are chained first.
    left = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_pending")).scalar()
    if left:
        raise RuntimeError(
            f"{left} audit entries are not chained yet: run `workbench audit anchor` (it chains "
            "them) with the current version, then downgrade"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_pending_no_truncate ON audit_pending")
        op.execute("DROP TRIGGER IF EXISTS audit_pending_no_update ON audit_pending")
        op.execute("DROP FUNCTION IF EXISTS audit_pending_no_change()")
    op.drop_table("audit_pending")  # its sequence is dropped with it (OWNED BY)
