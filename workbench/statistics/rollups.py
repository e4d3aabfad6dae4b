"""Report rollups: the raw figures of a report for one period, computed by the scheduler (the
`refresh_report_rollups` job, every `scheduler_report_rollups_minutes`) with the same direct
queries a report runs, and read back instead of running them while they are fresh.

Why a snapshot rather than counters kept by every write: most figures count distinct members
over a period of any length that ends today (active members, the retention cohort, earners,
participants) or are percentiles (hours to first response), and neither adds up from per-day
parts. The snapshot holds the counts before small groups are hidden, so protection
(masking/groups.py) runs on them exactly as on a direct computation, and a report read from it
says when its figures were computed (`as_of`). A snapshot older than three refresh intervals,
or for another period, is not used: the report is computed directly, as without rollups.

One row per (report, key); `data` is JSON of plain counts.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, String, Text, UniqueConstraint, delete, select
from sqlmodel import Field, Session, SQLModel, col

from workbench.clock import Clock
from workbench.db.types import utc_column

STALE_AFTER = 3  # refresh intervals after which a snapshot is no longer used


class ReportRollup(SQLModel, table=True):
    __tablename__ = "report_rollup"
    __table_args__ = (UniqueConstraint("report", "key", name="uq_report_rollup_key"),)

    id: int | None = Field(default=None, primary_key=True)
    report: str = Field(sa_column=Column(String(32), nullable=False))
    key: str = Field(sa_column=Column(String(200), nullable=False))
    computed_at: datetime = Field(sa_column=utc_column(nullable=False))
    data: str = Field(sa_column=Column(Text, nullable=False))


def save(session: Session, report: str, key: str, data: Any, at: datetime) -> None:
    """Replaces the report's snapshot for `key` (the caller commits)."""
    session.execute(
        delete(ReportRollup).where(col(ReportRollup.report) == report, col(ReportRollup.key) == key)
    )
    session.add(
        ReportRollup(
            report=report, key=key, computed_at=at, data=json.dumps(data, separators=(",", ":"))
        )
    )


def load(
    session: Session, report: str, key: str, newer_than: datetime
) -> tuple[Any, datetime] | None:
    """The snapshot's data and when it was computed, if there is one computed after
    `newer_than`."""
    row = session.execute(
        select(col(ReportRollup.data), col(ReportRollup.computed_at)).where(
            col(ReportRollup.report) == report,
            col(ReportRollup.key) == key,
            col(ReportRollup.computed_at) > newer_than,
        )
    ).first()
    if row is None:
        return None
    return json.loads(row[0]), row[1]


class Rollups:
    """The snapshots as reports use them: a fresh one, or None; refreshed every `minutes`."""

    def __init__(self, *, clock: Clock, minutes: int) -> None:
        self.clock, self.minutes = clock, minutes

    def now(self) -> datetime:
        return self.clock.now()

    def fresh(self, session: Session, report: str, key: str) -> tuple[Any, datetime] | None:
        age = max_age(self.minutes)
        if age is None:
            return None
        return load(session, report, key, self.clock.now() - age)

    def keep(self, session: Session, report: str, key: str, data: Any, at: datetime) -> None:
        save(session, report, key, data, at)


def max_age(minutes: int) -> timedelta | None:
    """How old a snapshot may be when refreshed every `minutes` (0: rollups off)."""
    return timedelta(minutes=STALE_AFTER * minutes) if minutes > 0 else None


def period_key(start: datetime, end: datetime, *extra: str) -> str:
    return "/".join((start.isoformat(), end.isoformat(), *extra))
