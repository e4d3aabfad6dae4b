"""Complaint analysis for supervisors and managers: counts by category, cause, department,
store, channel and week; time to first response and to resolution; SLA compliance; reopen
rate; repeat complainers; satisfaction. Aggregates only: no member appears in the result."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from workbench.complaints.models import Complaint
from workbench.members.models import Store


@dataclass
class ComplaintReport:
    start: datetime
    end: datetime
    store_code: str | None
    total: int | None = 0
    closed: int | None = 0
    open: int | None = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_cause: dict[str, int] = field(default_factory=dict)
    by_department: dict[str, int] = field(default_factory=dict)
    by_store: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    weekly: dict[str, int] = field(default_factory=dict)  # ISO week start (Monday) -> count
    first_response_hours_median: float | None = None
    first_response_hours_p90: float | None = None
    resolution_hours_median: float | None = None
    resolution_hours_p90: float | None = None
    first_response_on_time_pct: float | None = None
    resolution_on_time_pct: float | None = None
    reopen_rate_pct: float | None = None
    repeat_complainers: int | None = 0  # members with 2 or more complaints in the period
    satisfaction_average: float | None = None
    satisfaction_scores: dict[int, int] = field(default_factory=dict)
    # What the figures above are computed over (for hiding small groups).
    responded: int | None = 0  # complaints with a first response
    resolved: int | None = 0  # complaints closed
    hidden: list[str] = field(default_factory=list)  # figures withheld: too few behind them
    # Grouped counts withheld only so that their total gives no small one away (not small).
    complements: dict[str, list[str]] = field(default_factory=dict)
    as_of: datetime | None = None  # when a rollup's figures were computed; None: just now

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        return data

    def figures(self) -> dict[str, Any]:
        """The raw figures as a rollup keeps them (JSON), for `from_figures`."""
        data = self.to_dict()
        for name in ("start", "end", "store_code", "hidden", "complements", "as_of"):
            data.pop(name)
        return data

    @classmethod
    def from_figures(
        cls,
        data: dict[str, Any],
        *,
        start: datetime,
        end: datetime,
        store_code: str | None,
        as_of: datetime | None,
    ) -> ComplaintReport:
        scores = {int(k): n for k, n in data["satisfaction_scores"].items()}
        figures = {k: v for k, v in data.items() if k != "satisfaction_scores"}
        return cls(
            start=start,
            end=end,
            store_code=store_code,
            satisfaction_scores=scores,
            as_of=as_of,
            **figures,
        )


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _quantiles(hours: list[float]) -> tuple[float | None, float | None]:
    if not hours:
        return None, None
    if len(hours) == 1:
        return round(hours[0], 1), round(hours[0], 1)
    deciles = statistics.quantiles(hours, n=10, method="inclusive")
    return round(statistics.median(hours), 1), round(deciles[8], 1)


def complaint_report(
    session: Session, *, start: datetime, end: datetime, store_code: str | None = None
) -> ComplaintReport:
    """Complaints received in [start, end), optionally of one store."""
    report = ComplaintReport(start=start, end=end, store_code=store_code)
    scope = [col(Complaint.received_at) >= start, col(Complaint.received_at) < end]
    if store_code:
        store_id = session.scalar(select(col(Store.id)).where(col(Store.code) == store_code))
        scope.append(col(Complaint.store_id) == (store_id if store_id is not None else -1))

    _counts(session, scope, report)
    repeaters = (
        select(col(Complaint.member_id))
        .where(*scope, col(Complaint.member_id).is_not(None))
        .group_by(col(Complaint.member_id))
        .having(func.count() >= 2)
        .subquery()
    )
    report.repeat_complainers = session.scalar(select(func.count()).select_from(repeaters))
    report.weekly = _weekly(session, scope, start, end)
    first, resolved = _hours(session, scope)
    report.first_response_hours_median, report.first_response_hours_p90 = _quantiles(first)
    report.resolution_hours_median, report.resolution_hours_p90 = _quantiles(resolved)
    report.responded, report.resolved = len(first), len(resolved)
    return report


def _counts(session: Session, scope: list[ColumnElement[bool]], report: ComplaintReport) -> None:
    """Every count in one pass: grouped by the report's dimensions, summed here."""
    closed = col(Complaint.state) == "closed"
    flags = [
        func.sum(case((closed, 1), else_=0)),
        func.sum(case((col(Complaint.round) > 1, 1), else_=0)),
        func.sum(
            case(
                (col(Complaint.first_response_at) <= col(Complaint.first_response_due), 1), else_=0
            )
        ),
        func.sum(case((col(Complaint.first_response_at).is_not(None), 1), else_=0)),
        func.sum(case((and_(closed, col(Complaint.sla_breached).is_(False)), 1), else_=0)),
    ]
    dimensions = [
        col(Complaint.category),
        col(Complaint.root_cause),
        col(Complaint.department),
        col(Complaint.store_id),
        col(Complaint.channel),
        col(Complaint.satisfaction),
    ]
    rows = session.execute(
        select(*dimensions, func.count(), *flags).where(*scope).group_by(*dimensions)
    ).all()
    codes = dict(session.execute(select(col(Store.id), col(Store.code))).all())
    totals, total = [0] * 5, 0
    for category, cause, department, store_id, channel, score, n, *sums in rows:
        for name, key in (
            ("by_category", category),
            ("by_cause", cause),
            ("by_department", department),
            ("by_store", codes.get(store_id)),
            ("by_channel", channel),
        ):
            bucket = getattr(report, name)
            bucket[key or "-"] = bucket.get(key or "-", 0) + n
        if score is not None:
            report.satisfaction_scores[score] = report.satisfaction_scores.get(score, 0) + n
        totals = [t + int(x or 0) for t, x in zip(totals, sums, strict=True)]
        total += n
    report.total = total
    for name in ("by_category", "by_cause", "by_department", "by_store", "by_channel"):
        setattr(report, name, dict(sorted(getattr(report, name).items())))
    report.satisfaction_scores = dict(sorted(report.satisfaction_scores.items()))
    closed_n, reopened, fr_on_time, responded, closed_on_time = totals
    report.closed, report.open = closed_n, total - closed_n
    report.reopen_rate_pct = _pct(reopened, total)
    report.first_response_on_time_pct = _pct(fr_on_time, responded)
    report.resolution_on_time_pct = _pct(closed_on_time, closed_n)
    scored = sum(report.satisfaction_scores.values())
    if scored:
        total_score = sum(score * n for score, n in report.satisfaction_scores.items())
        report.satisfaction_average = round(total_score / scored, 2)


def _hours(session: Session, scope: list[ColumnElement[bool]]) -> tuple[list[float], list[float]]:
    """Hours from receipt to first response and to closing, computed by the database (no
    datetime parsing here)."""
    if session.get_bind().dialect.name == "postgresql":

        def hours(until: Mapped[datetime | None]) -> ColumnElement[float | Decimal]:
            return func.extract("epoch", until - col(Complaint.received_at)) / 3600.0
    else:

        def hours(until: Mapped[datetime | None]) -> ColumnElement[float | Decimal]:
            return (func.julianday(until) - func.julianday(col(Complaint.received_at))) * 24.0

    rows = session.execute(
        select(hours(col(Complaint.first_response_at)), hours(col(Complaint.closed_at))).where(
            *scope
        )
    )
    first: list[float] = []
    resolved: list[float] = []
    for to_first, to_close in rows:
        if to_first is not None:
            first.append(float(to_first))
        if to_close is not None:
            resolved.append(float(to_close))
    return first, resolved


SQLITE_WEEK = (
    "date(complaint.received_at, '-' || "
    "((CAST(strftime('%w', complaint.received_at) AS INTEGER) + 6) % 7) || ' days')"
)


def _weekly(
    session: Session, scope: list[ColumnElement[bool]], start: datetime, end: datetime
) -> dict[str, int]:
    """Counts per week (weeks start on Monday, UTC), every week of the period listed."""
    week: ColumnElement[str]
    if session.get_bind().dialect.name == "postgresql":
        week = func.to_char(func.date_trunc("week", col(Complaint.received_at)), "YYYY-MM-DD")
    else:
        week = literal_column(SQLITE_WEEK)
    rows = session.execute(select(week, func.count()).where(*scope).group_by(week).order_by(week))
    counts = {str(key): n for key, n in rows}
    return {week: counts.get(week, 0) for week in weeks_between(start, end)}


def weeks_between(start: datetime, end: datetime) -> list[str]:
    """The Mondays (UTC) of every week that overlaps [start, end)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    monday = start.date() - timedelta(days=start.weekday())
    weeks = []
    while datetime.combine(monday, datetime.min.time(), tzinfo=UTC) < end:
        weeks.append(monday.isoformat())
        monday += timedelta(days=7)
    return weeks
