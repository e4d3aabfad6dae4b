"""The business calendar the SLA clocks use: what it holds for a year (and a store), and the
years its public-holiday source does not know yet (warned about at start and by the doctor)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from workbench.clock import Clock
from workbench.complaints.calendar import YearDays, year_days, years_needed
from workbench.complaints.policy import ComplaintPolicy
from workbench.errors import NotFound, ValidationError
from workbench.members.models import Staff, Store
from workbench.usecases.base import UnitOfWork


@dataclass(frozen=True)
class CalendarYear:
    """A year of one store's calendar (or the chain's): the weekly pattern, the source of the
    public days, and every day that differs from the weekly pattern."""

    year: int
    store: str | None
    timezone: str
    workdays: tuple[int, ...]
    opens: str
    closes: str
    source: str
    days: YearDays

    @property
    def warning(self) -> str | None:
        if self.days.known:
            return None
        return unknown_year_warning([self.year], self.source)


def unknown_year_warning(years: list[int], source: str) -> str:
    listed = ", ".join(str(y) for y in years)
    return (
        f"the public-holiday source ({source}) does not know {listed} yet: SLA clocks there count "
        "only the weekly working days and the overrides in config/complaints.toml. Upgrade the "
        "package (pip install -U chinese-calendar), or list that year's holidays and make-up "
        "working days as [calendar] closed / open overrides and the year in listed_years."
    )


class CalendarDesk:
    def __init__(self, *, uow: UnitOfWork, policy: ComplaintPolicy, clock: Clock) -> None:
        self.uow = uow
        self.policy = policy
        self.clock = clock

    def show(self, actor: Staff, *, year: int, store: str | None = None) -> CalendarYear:
        """The year as the SLA clocks will count it. Any signed-in staff member may see it (it
        holds no personal data); a store code that does not exist is refused."""
        if not 1900 <= year <= 2100:
            raise ValidationError("year", "a year between 1900 and 2100")
        timezone: str | None = None
        if store is not None:
            with self.uow.read() as session:
                row = session.execute(
                    select(col(Store.code), col(Store.timezone)).where(col(Store.code) == store)
                ).first()
            if row is None:
                raise NotFound(f"no store with code {store!r}")
            timezone = row.timezone
        calendar = self.policy.calendar_for(timezone, store)
        overrides = self.policy.overrides_for(store)
        return CalendarYear(
            year=year,
            store=store,
            timezone=calendar.zone.key,
            workdays=tuple(sorted(calendar.workdays)),
            opens=calendar.opens.strftime("%H:%M"),
            closes=calendar.closes.strftime("%H:%M"),
            source=self.policy.public.source,
            days=year_days(calendar, year, public=self.policy.public, overrides=overrides),
        )

    def unknown_years(self) -> list[int]:
        """The years SLA clocks started now may reach that the public source does not know."""
        today = self.clock.now().astimezone(self.policy.calendar.zone).date()
        return self.policy.public.unknown(years_needed(today))

    def warning(self) -> str | None:
        """The loud line for start-up and the doctor, or None when every year needed is known."""
        unknown = self.unknown_years()
        return unknown_year_warning(unknown, self.policy.public.source) if unknown else None
