"""The sealed audit chain: who did what to which member, when, why, and with what result.

Each entry's hash is an HMAC-SHA-256, with the audit key of the version the entry records, over
its content and the previous hash: nobody without the key file can edit a row and recompute the
chain after it. Entries written before revision 0016 are keyless (plain SHA-256) and verify as
before; the head records where sealed entries start. Writers lock the one-row chain head (row
lock on PostgreSQL, the write lock on SQLite), so concurrent writers take turns and the chain
stays linear. Every `anchor_every` entries, once the transaction has committed, the head is
anchored outside the database (workbench.audit.anchor). `verify` walks the chain and checks it
against the head and the anchors.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, select, text, update
from sqlmodel import Session, col

from workbench.audit.anchor import Anchor, AnchorFile, AnchorReading
from workbench.audit.models import AuditEntry, AuditHead
from workbench.clock import Clock
from workbench.crypto.fields import b64_digest
from workbench.crypto.keyring import Keyring
from workbench.errors import WorkbenchError

log = logging.getLogger(__name__)

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
    *,
    key: bytes | None = None,
    key_version: str | None = None,
) -> str:
    """Keyless (key None: entries from before sealing, plain SHA-256 as they were written) or
    sealed: an HMAC whose content also names the key version, so it cannot be swapped."""
    content: list[Any] = [seq, at.isoformat(), actor_id, action, member_id, purpose, result]
    content.append(detail)
    if key is None:
        canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return b64_digest(hashlib.sha256((prev_hash + canonical).encode()).digest())
    content.append(key_version)
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return b64_digest(hmac.new(key, (prev_hash + canonical).encode(), hashlib.sha256).digest())


def entry_hash(prev_hash: str, entry: AuditEntry, key: bytes | None = None) -> str:
    """The entry's hash: keyless without a key, else sealed with `key` (its `key_version`)."""
    values = (getattr(entry, name) for name in HASHED)
    return chain_hash(prev_hash, *values, key=key, key_version=entry.key_version)


class AuditLog:
    def __init__(
        self,
        clock: Clock,
        keyring: Keyring,
        *,
        anchors: AnchorFile | None = None,
        anchor_every: int = 0,
    ) -> None:
        self.clock = clock
        self.keyring = keyring
        self.anchors = anchors
        self.anchor_every = anchor_every  # 0: anchors only by the command and the scheduler

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
        version, key = self.keyring.audit_key
        head = session.execute(
            update(AuditHead)
            .where(col(AuditHead.id) == 1)
            .values(seq=col(AuditHead.seq) + 1)
            .returning(col(AuditHead.seq), col(AuditHead.hash))
        ).first()
        if head is None:
            raise WorkbenchError("the audit log has no chain head: run `workbench db upgrade`")
        seq, prev_hash = head
        written = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        entry = AuditEntry(
            seq=seq,
            at=self.clock.now(),
            actor_id=actor_id,
            action=action,
            member_id=member_id,
            purpose=purpose,
            result=result,
            detail=written,
            prev_hash=prev_hash,
            hash="",
            key_version=version,
        )
        entry.hash = entry_hash(prev_hash, entry, key)
        session.add(entry)
        session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(hash=entry.hash))
        if self.anchors is not None and self.anchor_every and seq % self.anchor_every == 0:
            self._anchor_after_commit(session)
        return entry

    def _anchor_after_commit(self, session: Session) -> None:
        """Anchors the head once this transaction has committed (an anchor for an entry that is
        then rolled back would look like a truncation), in a transaction of its own."""
        bind = session.get_bind()
        if session.info.get("audit_anchor_pending") or not isinstance(bind, Engine):
            return  # one per transaction; a session on a caller's connection: left to the job
        session.info["audit_anchor_pending"] = True

        def anchor(committed: Session) -> None:
            committed.info.pop("audit_anchor_pending", None)
            try:
                with Session(bind) as own:
                    own.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                    if bind.dialect.name == "postgresql":  # never wait long on the head here
                        own.execute(text("SET LOCAL lock_timeout = '5s'"))
                    self.anchor(own)
                    own.commit()
            except Exception:  # the entries are committed; the next anchor covers them
                log.exception("an audit anchor was not written (the next one will be)")

        event.listen(session, "after_commit", anchor, once=True)

    def anchor(self, session: Session) -> Anchor | None:
        """Writes an anchor for the head unless it is anchored already; the caller commits.
        The head stays locked while the line is appended, so the anchor is the committed head,
        and the database records it (`anchored_seq`) only when the file holds it."""
        if self.anchors is None:
            raise WorkbenchError("no audit anchor file is configured")
        version, key = self.keyring.audit_key
        head = session.execute(
            update(AuditHead)
            .where(col(AuditHead.id) == 1, col(AuditHead.anchored_seq) < col(AuditHead.seq))
            .values(anchored_seq=col(AuditHead.seq))
            .returning(col(AuditHead.seq), col(AuditHead.hash), col(AuditHead.keyed_from))
        ).first()
        if head is None:
            return None  # nothing written since the last anchor (or no head: verify says so)
        seq, hash_, keyed_from = head
        anchor = Anchor(seq, hash_, self.clock.now().isoformat(), version, keyed_from)
        self.anchors.append(anchor, key)
        return anchor

    def verify(self, session: Session, *, batch_size: int = 20_000) -> VerifyReport:
        return verify(
            session, keys=self.keyring.audit_keys, anchors=self.anchors, batch_size=batch_size
        )


@dataclass(frozen=True)
class Finding:
    text: str
    seq: int | None = None


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    findings: tuple[Finding, ...] = ()
    keyless_until: int = 0  # the last keyless entry (written before sealing began); 0: none
    head_seq: int | None = None
    anchor: Anchor | None = None  # the newest genuine anchor
    anchor_file: str = ""
    anchored: bool = False  # whether anchors are kept at all

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def problem(self) -> str | None:
        """The first finding; None when the chain is intact."""
        return self.findings[0].text if self.findings else None

    @property
    def at_seq(self) -> int | None:
        return self.findings[0].seq if self.findings else None


def verify(
    session: Session,
    *,
    keys: Mapping[str, bytes],
    anchors: AnchorFile | None = None,
    batch_size: int = 20_000,
) -> VerifyReport:
    """Walk the chain in order: the first missing, edited, reordered or unsealed row; then the
    head against the last row, and the chain against every anchor."""
    reading = anchors.read(keys) if anchors is not None else None
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # One snapshot for the walk and the head: a writer committing meanwhile is not a gap.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    head = session.get(AuditHead, 1)
    keyed_from = head.keyed_from if head is not None else 1
    anchored_at = {a.seq: a for a in reading.anchors} if reading else {}
    findings: list[Finding] = []
    columns = [getattr(AuditEntry, name) for name in HASHED]
    extra = (col(AuditEntry.key_version), col(AuditEntry.prev_hash), col(AuditEntry.hash))
    expected_prev, expected_seq, checked, last = GENESIS, 1, 0, 0
    broken = False
    while not broken:
        rows = session.execute(
            select(*columns, *extra)
            .where(col(AuditEntry.seq) >= expected_seq)
            .order_by(col(AuditEntry.seq))
            .limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            seq, stored = row[0], row[-1]
            problem = _row_problem(
                row, expected_seq, expected_prev, keyed_from=keyed_from, keys=keys
            )
            if problem is None and seq in anchored_at and anchored_at[seq].hash != stored:
                when = anchored_at[seq].at
                problem = Finding(
                    f"row {seq} does not match the anchor of {when}: the chain was rewritten", seq
                )
            if problem is not None:
                findings.append(problem)
                broken = True
                break
            expected_prev, expected_seq, last = stored, seq + 1, seq
            checked += 1
    if broken:  # where the walk stopped, the rows after it cannot be trusted: find the end
        end = session.scalar(select(col(AuditEntry.seq)).order_by(col(AuditEntry.seq).desc()))
        last = end or 0
    findings += _head_findings(head, last, expected_prev, broken=broken)
    if reading is not None and head is not None:
        findings += _anchor_findings(reading, head, last, anchors, keys)
    keyless_until = min(keyed_from - 1, last) if last else 0
    return VerifyReport(
        checked,
        tuple(findings),
        keyless_until=max(keyless_until, 0),
        head_seq=head.seq if head is not None else None,
        anchor=reading.latest if reading else None,
        anchor_file=str(reading.path) if reading else "",
        anchored=reading is not None,
    )


def _row_problem(
    row: Any,
    expected_seq: int,
    expected_prev: str,
    *,
    keyed_from: int,
    keys: Mapping[str, bytes],
) -> Finding | None:
    seq, (version, prev_hash, stored) = row[0], row[-3:]
    if seq != expected_seq:
        return Finding(f"row {expected_seq} is missing", expected_seq)
    if version is None and seq >= keyed_from:
        return Finding(
            f"row {seq} was altered: it is keyless, but entries are sealed with the audit key "
            f"from seq {keyed_from} on (the chain was recomputed without the key)",
            seq,
        )
    if version is not None and seq < keyed_from:
        return Finding(
            f"row {seq} is sealed, but the database says sealed entries start at seq "
            f"{keyed_from}: the start was moved (to pass a recomputed keyless chain)",
            seq,
        )
    key = keys.get(version) if version is not None else None
    if version is not None and key is None:
        return Finding(
            f"row {seq} is sealed with audit key {version!r}, which the key file does not hold "
            "(a key file from another installation?)",
            seq,
        )
    content = row[: len(HASHED)]
    computed = chain_hash(expected_prev, *content, key=key, key_version=version)
    if prev_hash != expected_prev or not hmac.compare_digest(computed, stored):
        return Finding(f"row {seq} was altered", seq)
    return None


def _head_findings(
    head: AuditHead | None, last: int, last_hash: str, *, broken: bool
) -> list[Finding]:
    if head is None:
        return [Finding("the chain head (audit_head) is missing: rows may be missing after it")]
    if head.seq > last:
        return [Finding(f"rows after {last} are missing (the head says {head.seq})", last + 1)]
    if head.seq < last:
        return [
            Finding(
                f"the head was moved back to seq {head.seq}, but rows go up to {last}",
                head.seq + 1,
            )
        ]
    if not broken and head.hash != last_hash:
        return [Finding(f"the head's hash does not match row {last}", last)]
    return []


def _anchor_findings(
    reading: AnchorReading,
    head: AuditHead,
    last: int,
    anchors: AnchorFile | None,
    keys: Mapping[str, bytes],
) -> list[Finding]:
    findings = [Finding(text) for text in reading.problems]
    if not reading.exists:
        if head.anchored_seq:
            findings.append(
                Finding(
                    f"the anchor file {reading.path} is missing, but the database says anchors "
                    f"were written up to seq {head.anchored_seq}"
                )
            )
        return findings
    latest = reading.latest
    newest_seq = latest.seq if latest else 0
    if head.anchored_seq > newest_seq and anchors is not None:
        # An anchor written since the file was read: read it again before saying so.
        again = anchors.read(keys)
        newest_seq = max(newest_seq, again.latest.seq if again.latest else 0)
    if head.anchored_seq > newest_seq:
        findings.append(
            Finding(
                f"the anchor file {reading.path} ends at seq {newest_seq}, but the database "
                f"says an anchor was written at seq {head.anchored_seq}: the file was cut or "
                "replaced by an older copy"
            )
        )
    if latest is None:
        return findings
    if latest.seq > last:
        if last == 0:
            text = (
                f"the log holds 0 entries, but the anchor of {latest.at} records "
                f"{latest.seq}: the log was wiped"
            )
        else:
            text = (
                f"the log ends at seq {last}, but the anchor of {latest.at} records "
                f"{latest.seq} entries: rows were deleted at the end and the head moved back"
            )
        findings.append(Finding(text, last + 1))
    if latest.keyed_from != head.keyed_from:
        findings.append(
            Finding(
                f"the anchor of {latest.at} says sealed entries start at seq "
                f"{latest.keyed_from}, the database says {head.keyed_from}: the start was moved"
            )
        )
    return findings


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
