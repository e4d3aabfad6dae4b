"""The erasure ledger: which members were erased, and when (member ids, dates and the
termination reason's code; nothing personal).

It is kept twice: in the table `erasure_ledger`, and in a file beside the key file
(`erasures.jsonl`, setting [backup] erasure_ledger_file; one JSON line per member, 0600), which a restore of an older database does
not roll back. `backup restore` re-applies every erasure of the file to the restored database
with the same erasure code, so a backup made before an erasure never brings the member back.

The file is appended after the erasing transaction commits (never for one that rolls back); a
line lost to a crash in between is written by the next `backup create`, from the table.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Table, event, inspect, select
from sqlmodel import Field, Session, SQLModel

from workbench.backup.archive import BackupError
from workbench.crypto import FieldCipher
from workbench.db.types import utc_column
from workbench.members.models import Member

log = logging.getLogger(__name__)
PENDING = "erasure_ledger_pending"


class ErasureRecord(SQLModel, table=True):
    """A member's erasure: the first time their personal data was erased."""

    __tablename__ = "erasure_ledger"

    member_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    erased_at: datetime = Field(sa_column=utc_column(nullable=False))
    reason: str = Field(default="", max_length=32)  # the termination reason's code


@dataclass(frozen=True)
class Erasure:
    member_id: int
    erased_at: datetime
    reason: str

    def line(self) -> str:
        return json.dumps(
            {
                "member": self.member_id,
                "erased_at": self.erased_at.isoformat(),
                "reason": self.reason,
            },
            sort_keys=True,
        )


def read_ledger_file(path: Path) -> list[Erasure]:
    """Every erasure in the file, the first per member, in the file's order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    seen: dict[int, Erasure] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
            entry = Erasure(
                int(doc["member"]), datetime.fromisoformat(doc["erased_at"]), str(doc["reason"])
            )
        except (ValueError, KeyError, TypeError):
            raise BackupError(f"{path} line {number} is not an erasure ledger entry") from None
        seen.setdefault(entry.member_id, entry)
    return list(seen.values())


def append_to_ledger_file(path: Path, entries: list[Erasure]) -> int:
    """Appends the entries the file does not hold yet (created 0600); how many."""
    known = {e.member_id for e in read_ledger_file(path)}
    fresh = [e for e in entries if e.member_id not in known]
    if not fresh:
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write("".join(e.line() + "\n" for e in fresh))
        handle.flush()
        os.fsync(handle.fileno())
    return len(fresh)


def table_entries(connection: Connection) -> list[Erasure]:
    """The ledger table's entries (none where the schema predates it)."""
    if not inspect(connection).has_table(ErasureRecord.__tablename__):
        return []
    table: Table = ErasureRecord.__table__  # type: ignore[attr-defined]  # SQLModel sets it
    rows = connection.execute(
        select(table.c.member_id, table.c.erased_at, table.c.reason).order_by(table.c.member_id)
    )
    return [Erasure(r.member_id, r.erased_at, r.reason) for r in rows]


class LedgerEraser:
    """The members' eraser that records the erasure (see members/erasure.py): a row in the
    caller's transaction, a line in the file once that transaction commits."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(
        self, session: Session, member: Member, *, cipher: FieldCipher, now: datetime
    ) -> None:
        if member.id is None or session.get(ErasureRecord, member.id) is not None:
            return
        record = ErasureRecord(
            member_id=member.id, erased_at=now, reason=member.termination_reason or ""
        )
        session.add(record)
        pending: list[Erasure] | None = session.info.get(PENDING)
        if pending is None:
            pending = session.info[PENDING] = []
            event.listen(session, "after_commit", self._committed)
            event.listen(session, "after_rollback", self._rolled_back)
        pending.append(Erasure(record.member_id, record.erased_at, record.reason))

    def _committed(self, session: Session) -> None:
        pending = session.info.get(PENDING) or []
        if not pending:
            return
        entries, pending[:] = list(pending), []
        try:
            append_to_ledger_file(self.path, entries)
        except (OSError, BackupError) as error:  # the table has them; `backup create` retries
            log.error("could not append %d erasures to %s: %s", len(entries), self.path, error)

    def _rolled_back(self, session: Session) -> None:
        pending = session.info.get(PENDING)
        if pending:
            pending.clear()
