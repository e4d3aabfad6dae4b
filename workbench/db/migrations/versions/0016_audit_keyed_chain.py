"""audit keyed chain: entries sealed with an audit key, the head's anchor marks, append-only rows

Entries already written stay as they are (keyless SHA-256) and verify as before: the head
records where keyed entries start (`keyed_from`, the next sequence number), and `audit verify`
reports them as "keyless up to seq N". They are not re-sealed: sealing rows nobody can vouch for
would give them a protection they never had (an edit made before the upgrade would be sealed in),
and the first keyed entry covers the last keyless hash, so from then on the keyless part cannot
be recomputed either without breaking the first sealed row.

On PostgreSQL, triggers make audit_entry append-only (UPDATE, DELETE and TRUNCATE raise) and
keep the head from moving back. The table owner can disable them (ALTER TABLE ... DISABLE
TRIGGER): run the application under a role that does not own the tables (docs/administrators.md).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

HEAD_FORWARD_ONLY = """
CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'audit_head cannot be removed: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id <> OLD.id OR NEW.seq < OLD.seq OR NEW.keyed_from <> OLD.keyed_from
            OR NEW.anchored_seq < OLD.anchored_seq THEN
        RAISE EXCEPTION 'the audit head only moves forward'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
"""

TRIGGERS = [
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_head_forward_only()",
]


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_version", sa.String(length=16), nullable=True))
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keyed_from", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("anchored_seq", sa.Integer(), nullable=False, server_default="0")
        )
    # Everything written so far is keyless; sealed entries start with the next one.
    op.execute("UPDATE audit_head SET keyed_from = seq + 1")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
        op.execute(HEAD_FORWARD_ONLY)
        for statement in TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, name in (
            ("audit_head", "audit_head_no_truncate"),
            ("audit_head", "audit_head_forward_only"),
            ("audit_entry", "audit_entry_no_truncate"),
            ("audit_entry", "audit_entry_append_only"),
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_head_forward_only()")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    with op.batch_alter_table("audit_head", schema=None) as batch_op:
        batch_op.drop_column("anchored_seq")
        batch_op.drop_column("keyed_from")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("key_version")
