"""Statistics and KPIs as readers ask for them: a period (by days, or the last N months), member
statistics by store, agents' and branches' KPIs, or both at once for the statistics screen. The
statistics service scopes every figure by role, hides small groups and audits each report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from workbench.complaints.reports import ComplaintReports
from workbench.errors import ValidationError
from workbench.members.models import Staff
from workbench.permissions.access import AccessDenied
from workbench.statistics.figures import Kpis, MemberStatistics
from workbench.statistics.period import Period
from workbench.statistics.service import MANAGERS, Statistics, StatisticsAccess, access_of


@dataclass(frozen=True)
class Overview:
    """What the statistics screen shows for one period; `members` is None for a role that may
    read only KPIs."""

    months: int
    period: Period
    members: MemberStatistics | None
    kpis: Kpis

    @property
    def as_of(self) -> datetime | None:
        """When the figures were computed, if they come from a rollup (None: just now)."""
        return self.kpis.as_of


@dataclass(frozen=True)
class RollupsRefreshed:
    periods: tuple[Period, ...]  # the statistics screen's periods
    complaints: Period | None  # the complaint report's default period (None: rollups off)


class StatisticsDesk:
    def __init__(
        self, *, statistics: Statistics, complaint_reports: ComplaintReports | None = None
    ) -> None:
        self.statistics = statistics
        self.complaint_reports = complaint_reports

    def rights(self, actor: Staff) -> StatisticsAccess:
        """Which reports the actor's role may read (the screen shows only those tabs)."""
        return access_of(actor.role)

    def period_between(self, first: str | None, after_last: str | None) -> Period:
        """The period from `first` to the day before `after_last` (YYYY-MM-DD each; missing:
        the service's defaults, 12 months up to today)."""
        return self.statistics.period(first=_day(first, "from"), after_last=_day(after_last, "to"))

    def last_months(self, months: int) -> Period:
        return self.statistics.period(months=months)

    def members(
        self, actor: Staff, period: Period, *, store_code: str | None = None, export: bool = False
    ) -> MemberStatistics:
        """Member statistics by store (managers, analysts, store managers for their store)."""
        return self.statistics.members(actor, period, store_code=store_code, export=export)

    def kpis(
        self, actor: Staff, period: Period, *, store_code: str | None = None, export: bool = False
    ) -> Kpis:
        """Agents' and branches' KPIs; an agent gets their own figures only."""
        return self.statistics.kpis(actor, period, store_code=store_code, export=export)

    def overview(self, actor: Staff, months: int) -> Overview:
        """Both reports for the last `months` months, from one set of queries."""
        period = self.statistics.period(months=months)
        members, kpis = self.statistics.overview(actor, period)
        return Overview(months, period, members, kpis)

    def refresh_rollups(self, actor: Staff | None) -> RollupsRefreshed:
        """Computes the statistics screen's periods and the default complaint report into their
        rollups, which reports then read (saying as of when). The scheduler runs it (actor
        None); by hand, a manager or analyst."""
        if actor is not None and (actor.role not in MANAGERS or not actor.active):
            raise AccessDenied(f"{actor.role} may not refresh the report rollups")
        periods = tuple(self.statistics.refresh_rollups())
        complaints = None
        if periods and self.complaint_reports is not None:
            complaints = self.statistics.period()
            self.complaint_reports.refresh_rollup(start=complaints.start, end=complaints.end)
        return RollupsRefreshed(periods, complaints)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(name, "a date as YYYY-MM-DD") from None
