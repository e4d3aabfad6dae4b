"""A member's points statement: the ledger lines with the running balance, and the lots still
alive with when they expire.

The running balance is a window sum over the lines in the order they happened, so the last
line's running balance is the stored balance (`points_balance`). The lots follow the ledger's
model (PointsLedger's module doc): debits consume credits oldest first, so the points alive
among credits expiring by T are max(0, credits expiring by T - all debits); what expires at a
future T is that figure at T less the same figure now (points that expired but whose expiry
line is not written yet are not alive, and are shown apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.members.models import PointsEntry, PointsKind
from workbench.members.points import PointsLedger


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    kind: PointsKind
    points: int
    running_balance: int
    detail: str
    staff_id: int | None
    expires_at: datetime | None


@dataclass(frozen=True)
class AliveLot:
    expires_at: datetime
    points: int  # still alive and unspent, expiring then


@dataclass(frozen=True)
class Statement:
    lines: list[StatementLine]  # the latest `limit`, oldest first
    total_lines: int
    stored_balance: int  # the sum of every line
    spendable: int  # what may be spent now
    lapsed_unrecorded: int  # expired, not yet written as an expiry line
    lots: list[AliveLot]  # soonest first


def statement(session: Session, ledger: PointsLedger, member_id: int, limit: int = 50) -> Statement:
    running = func.sum(col(PointsEntry.points)).over(
        order_by=(col(PointsEntry.occurred_at), col(PointsEntry.id))
    )
    numbered = (
        select(
            col(PointsEntry.occurred_at),
            col(PointsEntry.kind),
            col(PointsEntry.points),
            running.label("running"),
            col(PointsEntry.detail),
            col(PointsEntry.staff_id),
            col(PointsEntry.expires_at),
            func.row_number()
            .over(order_by=(col(PointsEntry.occurred_at).desc(), col(PointsEntry.id).desc()))
            .label("newest"),
        )
        .where(col(PointsEntry.member_id) == member_id)
        .subquery()
    )
    rows = session.execute(
        select(numbered).where(numbered.c.newest <= limit).order_by(numbered.c.newest.desc())
    ).all()
    lines = [
        StatementLine(r[0], PointsKind(r[1]), int(r[2]), int(r[3]), r[4], r[5], r[6]) for r in rows
    ]
    total = session.scalar(
        select(func.count()).select_from(PointsEntry).where(col(PointsEntry.member_id) == member_id)
    )
    spendable = ledger.balance(session, member_id)
    stored = ledger.stored_balance(session, member_id)
    return Statement(
        lines=lines,
        total_lines=int(total or 0),
        stored_balance=stored,
        spendable=spendable,
        lapsed_unrecorded=max(0, stored - spendable),
        lots=alive_lots(session, ledger, member_id),
    )


def alive_lots(session: Session, ledger: PointsLedger, member_id: int) -> list[AliveLot]:
    now = ledger.clock.now()
    credits = session.execute(
        select(col(PointsEntry.expires_at), func.sum(col(PointsEntry.points)))
        .where(
            col(PointsEntry.member_id) == member_id,
            col(PointsEntry.points) > 0,
            col(PointsEntry.expires_at).is_not(None),
        )
        .group_by(col(PointsEntry.expires_at))
        .order_by(col(PointsEntry.expires_at))
    ).all()
    debits = -int(
        session.scalar(
            select(func.coalesce(func.sum(col(PointsEntry.points)), 0)).where(
                col(PointsEntry.member_id) == member_id, col(PointsEntry.points) < 0
            )
        )
        or 0
    )
    lots: list[AliveLot] = []
    credited = 0
    gone = None  # alive among credits expired by now: the figure every later lot subtracts
    for expires_at, points in credits:
        if gone is None and expires_at > now:
            gone = max(0, credited - debits)
        credited += int(points)
        if expires_at > now:
            assert gone is not None
            alive_by = max(0, credited - debits) - gone
            earlier = sum(lot.points for lot in lots)
            if alive_by - earlier > 0:
                lots.append(AliveLot(expires_at, alive_by - earlier))
    return lots
