"""The sealed audit chain: who did what to which member, when, why, and with what result.

Each entry's hash is an HMAC-SHA-256, with the audit key of the version the entry records, over
its content and the previous hash: nobody without the key file can edit a row and recompute the
chain after it. Entries written before revision 0016 are keyless (plain SHA-256) and verify as
before; the head records where sealed entries start. Only the holder of the one-row chain head
appends to the chain, so it stays linear. On SQLite every writer holds the write lock anyway and
chains its entry at once. On PostgreSQL no writer waits for the head (revision 0029): one that
finds it taken appends its entry to `audit_pending`, sealed on its own, and whoever holds the
head next (a writer, the scheduler's sequencer, `anchor`, `verify`, a reader of the log) chains
the pending entries in id order, a batch per head lock (docs/architecture.md, "The audit
sequencer"). Every `anchor_every` entries, once the transaction has committed, the head is
anchored outside the database (workbench.audit.anchor). `verify` walks the chain and checks it
against the head and the anchors, and checks the seal of every entry still pending.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    event,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, col

from workbench.audit.anchor import Anchor, AnchorFile, AnchorReading
from workbench.audit.models import AuditEntry, AuditHead, AuditPending
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


PENDING_BATCH = 1000  # pending rows a writer holding the head chains at most, besides its own

# The head, if no other transaction holds it, and an id for a pending row, in one round trip.
_TRY_HEAD = text(
    "WITH h AS (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE SKIP LOCKED) "
    "SELECT nextval('audit_pending_id_seq'), h.seq, h.hash, "
    "EXISTS (SELECT 1 FROM audit_pending) FROM (VALUES (1)) AS one LEFT JOIN h ON true"
)
# Entries appended, the pending rows they came from deleted and the head moved, in one.
_CHAIN = text(
    "WITH e AS (INSERT INTO audit_entry (seq, at, actor_id, action, member_id, purpose, "
    "result, detail, prev_hash, hash, key_version) SELECT * FROM unnest("
    "CAST(:seq AS integer[]), CAST(:at AS timestamptz[]), CAST(:actor_id AS integer[]), "
    "CAST(:action AS text[]), CAST(:member_id AS integer[]), CAST(:purpose AS text[]), "
    "CAST(:result AS text[]), CAST(:detail AS text[]), CAST(:prev_hash AS text[]), "
    "CAST(:hash AS text[]), CAST(:key_version AS text[]))), "
    "d AS (DELETE FROM audit_pending WHERE id = ANY(CAST(:done AS bigint[]))) "
    "UPDATE audit_head SET seq = :head_seq, hash = :head_hash WHERE id = 1"
)
# The same for one entry and nothing pending (the usual case): no arrays to build.
_CHAIN_ONE = text(
    "WITH e AS (INSERT INTO audit_entry (seq, at, actor_id, action, member_id, purpose, "
    "result, detail, prev_hash, hash, key_version) VALUES (:seq, :at, :actor_id, :action, "
    ":member_id, :purpose, :result, :detail, :prev_hash, :hash, :key_version)) "
    "UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"
)
_ENTRY: Table = AuditEntry.__table__  # type: ignore[attr-defined]
_HEAD: Table = AuditHead.__table__  # type: ignore[attr-defined]
_PENDING: Table = AuditPending.__table__  # type: ignore[attr-defined]
_ENTRY_COLUMNS = (*HASHED, "prev_hash", "hash", "key_version")
_PENDING_COLUMNS = ("id", *HASHED[1:], "key_version", "seal")
# Built once: a statement built per call costs more than SQLite takes to run it.
_INSERT_ENTRY = insert(_ENTRY)
_INSERT_PENDING = insert(_PENDING)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_PENDING_ROWS = (
    select(*(_PENDING.c[name] for name in _PENDING_COLUMNS))
    .order_by(_PENDING.c.id)
    .limit(bindparam("batch"))
)


def pending_seal(
    key: bytes,
    id_: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    member_id: int | None,
    purpose: str,
    result: str,
    detail: str,
    key_version: str,
) -> str:
    """A pending row's own seal: an HMAC over its id and content (an edited row, or a copy
    under another id, does not match)."""
    content = [
        "pending",
        id_,
        at.astimezone(UTC).isoformat(),
        actor_id,
        action,
        member_id,
        purpose,
        result,
        detail,
        key_version,
    ]
    canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return b64_digest(hmac.new(key, canonical.encode(), hashlib.sha256).digest())


def pending_problem(row: Any, keys: Mapping[str, bytes]) -> str | None:
    """Why a pending row (columns `_PENDING_COLUMNS`) may not be chained; None: it may."""
    key = keys.get(row.key_version)
    if key is None:
        return (
            f"pending entry {row.id} is sealed with audit key {row.key_version!r}, which the key "
            "file does not hold"
        )
    values = (row.id, row.at, row.actor_id, row.action, row.member_id, row.purpose, row.result)
    expected = pending_seal(key, *values, row.detail, row.key_version)
    if not hmac.compare_digest(expected, row.seal):
        return f"pending entry {row.id} was altered before it was chained: its seal does not match"
    return None


@dataclass
class _Link:
    """The chain as a batch is being sealed onto it."""

    seq: int
    hash: str
    rows: list[dict[str, Any]]
    done: list[int]

    def add(self, values: dict[str, Any], key: bytes) -> None:
        self.seq += 1
        entry = {**values, "seq": self.seq, "prev_hash": self.hash}
        content = [entry[name] for name in HASHED]
        entry["hash"] = chain_hash(self.hash, *content, key=key, key_version=entry["key_version"])
        self.hash = entry["hash"]
        self.rows.append(entry)


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
    ) -> None:
        """Append one entry in the caller's transaction: it is durable when that commits.

        SQLite has one writer at a time anyway: the entry is chained at once. On PostgreSQL the
        head is taken only if no other transaction holds it (SKIP LOCKED): then the entry, and
        the pending entries before it, are chained at once; else the entry is appended to
        audit_pending, sealed on its own, for the head's holder or the sequencer to chain. No
        writer waits for another."""
        version, key = self.keyring.audit_key
        written = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        values: dict[str, Any] = {
            "at": self.clock.now(),
            "actor_id": actor_id,
            "action": action,
            "member_id": member_id,
            "purpose": purpose,
            "result": result,
            "detail": written,
            "key_version": version,
        }
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            seq = _append_on_sqlite(connection, values, key)
            self._anchor_if_due(session, seq - 1, seq)
            return
        pending_id, seq, prev_hash, waiting = connection.execute(_TRY_HEAD).one()
        if seq is None:  # another transaction holds the head (or it is missing: verify says)
            seal = pending_seal(key, pending_id, *(values[n] for n in _PENDING_COLUMNS[1:-1]))
            connection.execute(_INSERT_PENDING, {**values, "id": pending_id, "seal": seal})
            return
        link = _Link(seq, prev_hash, [], [])
        if waiting:
            self._chain_pending(connection, link, limit=PENDING_BATCH)
        link.add(values, key)
        _write_link(connection, link)
        self._anchor_if_due(session, seq, link.seq)

    def _chain_pending(self, connection: Connection, link: _Link, *, limit: int) -> None:
        """Seals up to `limit` pending rows onto `link`, in id order; the caller holds the head.
        A row whose seal does not match stays where it is (`verify` reports it)."""
        rows = connection.execute(_PENDING_ROWS, {"batch": limit}).all()
        keys = self.keyring.audit_keys
        for row in rows:
            problem = pending_problem(row, keys)
            if problem is not None:
                log.error("audit entry not chained: %s", problem)
                continue
            values = {name: getattr(row, name) for name in _PENDING_COLUMNS[1:-1]}
            link.add(values, keys[row.key_version])
            link.done.append(row.id)

    def _anchor_if_due(self, session: Session, before: int, after: int) -> None:
        every = self.anchor_every
        if self.anchors is not None and every and after // every > before // every:
            self._anchor_after_commit(session)

    def sequence(self, bind: Engine, *, wait: bool = True, batch: int = PENDING_BATCH) -> int:
        """Chains every pending entry, a batch per transaction (one head lock per batch); the
        number chained. `wait`: wait (up to 5 s) for a writer holding the head, else leave
        the rows to it (it chains them, or the next run does) and return at once."""
        if not _anything_pending(bind):  # a read first: no lock taken when nothing waits
            return 0
        chained = 0
        while True:
            try:
                with Session(bind) as session:
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                    if bind.dialect.name == "postgresql" and wait:
                        session.execute(text("SET LOCAL lock_timeout = '5s'"))
                    done = self.chain_pending(session, wait=wait, limit=batch)
                    session.commit()
            except OperationalError:
                if not wait:
                    raise
                log.warning("audit entries left pending: the chain head stayed taken")
                return chained
            if not done:
                return chained
            chained += done

    def chain_pending(self, session: Session, *, wait: bool = True, limit: int = 0) -> int:
        """Takes the head in the caller's transaction (`wait` False: only if no one holds it)
        and chains the pending entries onto it, up to `limit` (0: all); how many."""
        connection = session.connection()
        link = self._lock_head(connection, wait=wait)
        chained = 0
        while link is not None:
            left = limit - chained if limit else PENDING_BATCH
            self._chain_pending(connection, link, limit=min(left, PENDING_BATCH))
            if not link.done:
                break
            _write_link(connection, link)
            chained += len(link.done)
            if limit and chained >= limit:
                break
            link = _Link(link.seq, link.hash, [], [])
        return chained

    def _lock_head(self, connection: Connection, *, wait: bool) -> _Link | None:
        """The head, locked (on SQLite the caller's transaction holds the write lock)."""
        query = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1)
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=not wait)
        head = connection.execute(query).first()
        return _Link(head.seq, head.hash, [], []) if head is not None else None

    def pending_count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(_PENDING)) or 0

    def _sequence_before_reading(self, session: Session) -> None:
        """Chains what is pending before the log is read, on a connection of its own (never on
        SQLite, where nothing is pending: a second connection would wait for the caller's)."""
        bind = session.get_bind()
        if bind.dialect.name != "postgresql" or not isinstance(bind, Engine):
            return
        self.sequence(bind)  # its look on a connection of its own: verify wants its snapshot

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
        self.chain_pending(session)  # what is pending is chained first, under the same lock
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
        self._sequence_before_reading(session)
        return verify(
            session, keys=self.keyring.audit_keys, anchors=self.anchors, batch_size=batch_size
        )


# SQLite: an entry's three statements go to the driver's connection, in the caller's
# transaction. SQLAlchemy's way to run one costs more than SQLite takes to run it, and an
# audited read's whole floor there is a few tenths of a millisecond (issue 21, goal 2).
_SQLITE_NEXT_SEQ = "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"
_SQLITE_INSERT_ENTRY = (
    f"INSERT INTO audit_entry ({', '.join(_ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + name for name in _ENTRY_COLUMNS)})"
)
_SQLITE_SET_HASH = "UPDATE audit_head SET hash = ? WHERE id = 1"


def _append_on_sqlite(connection: Connection, values: dict[str, Any], key: bytes) -> int:
    """Chains one entry onto the head (the caller's transaction holds SQLite's write lock, or
    takes it here); its seq."""
    driver = connection.connection.driver_connection
    assert driver is not None, "a connection in use has its driver's connection"
    try:
        head = driver.execute(_SQLITE_NEXT_SEQ).fetchone()
        if head is None:
            raise WorkbenchError("the audit log has no chain head: run `workbench db upgrade`")
        seq, prev_hash = head
        link = _Link(seq - 1, prev_hash, [], [])
        link.add(values, key)
        row = link.rows[0]
        driver.execute(_SQLITE_INSERT_ENTRY, {**row, "at": _stored_at(connection)(row["at"])})
        driver.execute(_SQLITE_SET_HASH, (link.hash,))
    except sqlite3.Error as error:  # as SQLAlchemy would raise it (DatabaseBusy, …)
        raise DBAPIError.instance(
            _SQLITE_INSERT_ENTRY, {}, error, sqlite3.Error, dialect=connection.dialect
        ) from error
    return int(seq)


_STORED_AT: dict[str, Any] = {}


def _stored_at(connection: Connection) -> Any:
    """How `at` is stored (the column's type, as SQLAlchemy would bind it)."""
    dialect = connection.dialect
    processor = _STORED_AT.get(dialect.name)
    if processor is None:
        processor = _ENTRY.c.at.type.bind_processor(dialect) or (lambda value: value)
        _STORED_AT[dialect.name] = processor
    return processor


def _anything_pending(bind: Engine) -> bool:
    with bind.connect() as connection:
        return bool(connection.scalar(select(exists().where(_PENDING.c.id.is_not(None)))))


def _write_link(connection: Connection, link: _Link) -> None:
    """Appends the batch's entries, deletes the pending rows they came from, moves the head."""
    if connection.dialect.name == "postgresql":
        if len(link.rows) == 1 and not link.done:
            connection.execute(_CHAIN_ONE, link.rows[0])
            return
        arrays = {name: [row[name] for row in link.rows] for name in _ENTRY_COLUMNS}
        connection.execute(
            _CHAIN, {**arrays, "done": link.done, "head_seq": link.seq, "head_hash": link.hash}
        )
        return
    connection.execute(_INSERT_ENTRY, link.rows)
    if link.done:
        connection.execute(_PENDING.delete().where(_PENDING.c.id.in_(link.done)))
    connection.execute(_MOVE_HEAD, {"new_seq": link.seq, "new_hash": link.hash})


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
    pending: int = 0  # entries written but not chained yet (a writer committed meanwhile)

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
    pending = session.execute(
        select(*(_PENDING.c[name] for name in _PENDING_COLUMNS)).order_by(_PENDING.c.id)
    ).all()
    findings += [Finding(text) for row in pending if (text := pending_problem(row, keys))]
    keyless_until = min(keyed_from - 1, last) if last else 0
    return VerifyReport(
        checked,
        tuple(findings),
        keyless_until=max(keyless_until, 0),
        head_seq=head.seq if head is not None else None,
        anchor=reading.latest if reading else None,
        anchor_file=str(reading.path) if reading else "",
        anchored=reading is not None,
        pending=len(pending),
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
    audit: AuditLog | None = None,
) -> list[AuditEntry]:
    """The newest entries first, those not chained yet included (seq 0, before the rest).
    With `audit`, what is pending is chained first."""
    if audit is not None:
        audit._sequence_before_reading(session)
    pending_query = select(AuditPending).order_by(col(AuditPending.id).desc()).limit(limit)
    query = select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(limit)
    if member_id is not None:
        query = query.where(col(AuditEntry.member_id) == member_id)
        pending_query = pending_query.where(col(AuditPending.member_id) == member_id)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
        pending_query = pending_query.where(col(AuditPending.at) >= since)
    waiting = [
        AuditEntry(
            seq=0,
            **{name: getattr(row, name) for name in _PENDING_COLUMNS[1:-1]},
            prev_hash="",
            hash="",
        )
        for row in session.scalars(pending_query)
    ]
    return (waiting + list(session.scalars(query)))[:limit]
