"""The audit chain's tables: the entries, the one-row head, and the entries not chained yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from workbench.db.types import utc_column


class AuditEntry(SQLModel, table=True):
    """Append-only and hash-chained: each row's hash covers its content and the previous hash,
    so an edited, deleted or inserted row breaks the chain from there on. Since revision 0016 the
    hash is an HMAC with the audit key of `key_version` (None: a keyless entry written before)."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    actor_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=32)
    member_id: int | None = Field(default=None, index=True)
    purpose: str = Field(default="", max_length=32)
    result: str = Field(max_length=16)  # allowed, denied, ok, failed
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    key_version: str | None = Field(default=None, max_length=16)


class AuditHead(SQLModel, table=True):
    """The chain's head in one row: writers lock it, so concurrent writers take turns."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)
    # The first entry sealed with an audit key: those before it are keyless (written before
    # revision 0016), every one from it on must be sealed.
    keyed_from: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # The newest entry an anchor (a signed checkpoint outside the database) was written for.
    anchored_seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class AuditPending(SQLModel, table=True):
    """An entry written but not chained yet (PostgreSQL, revision 0029). Writers that find the
    chain head taken append here without waiting; whoever holds the head next (a writer, the
    scheduler's sequencer, `anchor`, `verify`, a reader of the log) chains the rows in `id`
    order into audit_entry and deletes them, in one transaction. Each row is sealed on its own:
    an HMAC with the audit key over its id and content, so an edited or copied row is caught
    (the sequencer refuses to chain it and `verify` reports it)."""

    __tablename__ = "audit_pending"

    id: int = Field(
        sa_column=Column(BigInteger, primary_key=True, autoincrement=False), default=None
    )
    at: datetime = Field(sa_column=utc_column(nullable=False))
    actor_id: int | None = None
    action: str = Field(max_length=32)
    member_id: int | None = None
    purpose: str = Field(default="", max_length=32)
    result: str = Field(max_length=16)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    key_version: str = Field(max_length=16)
    seal: str = Field(max_length=64)
