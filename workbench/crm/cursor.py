"""Reading an Odoo model incrementally by write_date, resumably, without losing a record.

Odoo stores write_date with microseconds (the database's transaction time), reads it back cut to
the second, and compares a domain's "…:05" at full precision. So a cursor can only name a second;
`write_date > S` would both re-read S's later rows and miss a row stamped exactly S.000000, and
`write_date = S` matches almost nothing. The reader therefore:

- asks for `write_date >= S`, ordered by write_date then id, a page at a time, and takes every row
  again that shares the last page's final second (applying a record twice changes nothing);
- when a whole page lies inside one second (a bulk import stamps thousands of rows with one
  transaction time), reads that second alone by id (`S <= write_date < S+1`, `id > last`) until
  it runs out, then carries on from S+1 — the id tie-break that keeps a crowded second from
  looping forever. That page itself is not handed on: the reading by id takes every row of it
  again (a first pull of an import would otherwise apply each crowded second's first page
  twice);
- stores the position in the same transaction as the page's effects, so a run killed half-way
  resumes where its last committed page ended;
- starts each run no later than `overlap` before now: Odoo stamps a record with its transaction's
  start, so a long save commits "in the past", behind a cursor that already moved on (and a
  crowded second read to its end may still receive rows). Reading the recent past again costs a
  few rows and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.crm.mapping import ODOO_TIME, OdooRecord
from workbench.crm.models import SyncCursor
from workbench.crm.options import Domain

if TYPE_CHECKING:  # odoorpc is loaded only to talk to Odoo
    from workbench.crm.client import OdooClient


@dataclass(frozen=True)
class Position:
    second: str = ""  # every record written before this second has been taken ("" : none yet)
    last_id: int | None = None  # reading `second` alone by id: ids up to here are done

    def domain(self) -> Domain:
        if not self.second:
            return []
        if self.last_id is None:
            return [["write_date", ">=", self.second]]
        return [
            ["write_date", ">=", self.second],
            ["write_date", "<", next_second(self.second)],
            ["id", ">", self.last_id],
        ]

    @property
    def order(self) -> str:
        return "id asc" if self.last_id is not None else "write_date asc, id asc"

    def after(self, rows: list[OdooRecord], batch: int) -> tuple[Position, bool]:
        """Where to read next after this page, and whether there may be more to read now."""
        if self.last_id is not None:
            if len(rows) == batch:
                return Position(self.second, rows[-1]["id"]), True
            return Position(next_second(self.second)), True
        if not rows:
            return self, False
        first, last = rows[0]["write_date"], rows[-1]["write_date"]
        if len(rows) < batch:
            return Position(last), False
        if first == last:
            return Position(last, 0), True
        return Position(last), True


def next_second(second: str) -> str:
    return (datetime.strptime(second, ODOO_TIME) + timedelta(seconds=1)).strftime(ODOO_TIME)


def load(session: Session, model: str, *, now: datetime, overlap: timedelta) -> Position:
    """Where this run starts: the stored position, or `overlap` before now if that is earlier."""
    row = session.get(SyncCursor, model)
    if row is None or not row.second:
        return Position()
    horizon = (now.astimezone(UTC).replace(tzinfo=None) - overlap).strftime(ODOO_TIME)
    if overlap and row.second > horizon:
        return Position(horizon)
    return Position(row.second, row.last_id)


def save(session: Session, model: str, position: Position, now: datetime) -> None:
    row = session.get(SyncCursor, model)
    if row is None:
        session.add(
            SyncCursor(
                model=model, second=position.second, last_id=position.last_id, updated_at=now
            )
        )
    elif (row.second, row.last_id) != (position.second, position.last_id):
        row.second, row.last_id, row.updated_at = position.second, position.last_id, now


def pages(
    client: OdooClient,
    model: str,
    domain: Domain,
    fields: list[str],
    start: Position,
    batch: int,
) -> Iterator[tuple[list[OdooRecord], Position]]:
    """Pages of rows with the position to store once each page is applied. The next page is
    fetched while the caller applies this one: Odoo works while the database does. A page
    wholly inside one second comes as no rows (its second is read again by id next); its
    position is still handed on, to be stored."""

    def fetch(position: Position) -> list[OdooRecord]:
        return client.search_read(
            model, [*domain, *position.domain()], fields, limit=batch, order=position.order
        )

    position = start
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"odoo-{model}") as fetcher:
        upcoming = fetcher.submit(fetch, position)
        while True:
            rows = upcoming.result()
            following, more = position.after(rows, batch)
            if more:
                upcoming = fetcher.submit(fetch, following)
            if position.last_id is None and following.last_id == 0:
                rows = []  # all of one crowded second: read again by id, from the start
            yield rows, following
            if not more:
                return
            position = following
