"""The hash-chained audit log: who did what to which member, when, why, and with what result.

Writers lock the one-row chain head (row lock on PostgreSQL, the write lock on SQLite), so
concurrent writers take turns and the chain stays linear. `verify` walks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from workbench.audit.models import AuditEntry, AuditHead
from workbench.clock import Clock
from workbench.crypto.fields import b64_digest
from workbench.errors import WorkbenchError

GENESIS = "0" * 64


HASHED = ("seq", "at", "actor_id", "action", "member_id", "purpose", "result", "detail")


def chain_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    member_id: int | None,
    purpose: str,
    result: str,
    detail: str,
) -> str:
    content = [seq, at.isoformat(), actor_id, action, member_id, purpose, result, detail]
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return b64_digest(hashlib.sha256((prev_hash + canonical).encode()).digest())


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return chain_hash(prev_hash, *(getattr(entry, name) for name in HASHED))


class AuditLog:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def record(
        self,
        session: Session,
        *,
        action: str,
        result: str,
        actor_id: int | None = None,
        member_id: int | None = None,
        purpose: str = "",
        detail: dict[str, Any] | str = "",
    ) -> AuditEntry:
        """Append one entry in the caller's transaction; it holds the chain head until commit."""
        head = session.execute(
            update(AuditHead)
            .where(col(AuditHead.id) == 1)
            .values(seq=col(AuditHead.seq) + 1)
            .returning(col(AuditHead.seq), col(AuditHead.hash))
        ).first()
        if head is None:
            raise WorkbenchError("the audit log has no chain head: run `workbench db upgrade`")
        seq, prev_hash = head
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        entry = AuditEntry(
            seq=seq,
            at=self.clock.now(),
            actor_id=actor_id,
            action=action,
            member_id=member_id,
            purpose=purpose,
            result=result,
            detail=text,
            prev_hash=prev_hash,
            hash="",
        )
        entry.hash = entry_hash(prev_hash, entry)
        session.add(entry)
        session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(hash=entry.hash))
        return entry


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    problem: str | None  # None when the chain is intact
    at_seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(session: Session, *, batch_size: int = 20_000) -> VerifyReport:
    """Walk the chain in order; report the first missing, edited or reordered row."""
    columns = [getattr(AuditEntry, name) for name in HASHED]
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    while True:
        rows = session.execute(
            select(*columns, col(AuditEntry.prev_hash), col(AuditEntry.hash))
            .where(col(AuditEntry.seq) >= expected_seq)
            .order_by(col(AuditEntry.seq))
            .limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            seq, prev_hash, stored = row[0], row[-2], row[-1]
            if seq != expected_seq:
                return VerifyReport(checked, f"row {expected_seq} is missing", expected_seq)
            if prev_hash != expected_prev or chain_hash(expected_prev, *row[:-2]) != stored:
                return VerifyReport(checked, f"row {seq} was altered", seq)
            expected_prev, expected_seq = stored, seq + 1
            checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        return VerifyReport(checked, f"rows after {expected_seq - 1} are missing", expected_seq)
    return VerifyReport(checked, None)


def audit_rows(
    session: Session,
    *,
    member_id: int | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(limit)
    if member_id is not None:
        query = query.where(col(AuditEntry.member_id) == member_id)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    return list(session.scalars(query))
