"""The business calendar the SLA clocks use: what it holds for a year (and a store), and the
years its public-holiday source does not know yet (warned about at start and by the doctor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from workbench.clock import Clock
from workbench.complaints.calendar import YearDays, year_days, years_needed
from workbench.complaints.policy import ComplaintPolicy
from workbench.errors import NotFound, ValidationError
from workbench.members.models import Staff, Store
from workbench.usecases.base import UnitOfWork

if TYPE_CHECKING:
    from workbench.bootstrap import Services


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
    config_file: str = "complaints.toml"  # where the overrides are read from

    @property
    def warning(self) -> str | None:
        if self.days.known:
            return None
        return unknown_year_warning([self.year], self.source, self.config_file)

    @property
    def by_date(self) -> list[tuple[date, str, str]]:
        """Every day that differs from the weekly pattern, in date order: (day, "day off" or
        "working day", where it comes from)."""
        days = [(day, "day off", source) for day, source in self.days.days_off]
        days += [(day, "working day", source) for day, source in self.days.extra_working_days]
        return sorted(days)


def unknown_year_warning(
    years: list[int], source: str, config_file: str = "complaints.toml"
) -> str:
    listed = ", ".join(str(y) for y in years)
    return (
        f"the public-holiday source ({source}) does not know {listed} yet: SLA clocks there count "
        f"only the weekly working days and the overrides in {config_file}. Upgrade the "
        "package (pip install -U chinese-calendar), or list that year's holidays and make-up "
        "working days as [calendar] closed / open overrides and the year in listed_years."
    )


def unknown_years(policy: ComplaintPolicy, clock: Clock) -> list[int]:
    """The years SLA clocks started now may reach that the policy's public source does not
    know: this year and, in its last month, the next."""
    today = clock.now().astimezone(policy.calendar.zone).date()
    return policy.public.unknown(years_needed(today))


class CalendarDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        policy: ComplaintPolicy,
        clock: Clock,
        config_file: Path | None = None,
    ) -> None:
        """`config_file`: the complaints.toml the policy was read from, named in warnings."""
        self.uow = uow
        self.policy = policy
        self.clock = clock
        self.config_file = str(config_file) if config_file else "complaints.toml"

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
            config_file=self.config_file,
        )

    def unknown_years(self) -> list[int]:
        """The years SLA clocks started now may reach that the public source does not know."""
        return unknown_years(self.policy, self.clock)

    def warning(self) -> str | None:
        """The loud line for start-up and the doctor, or None when every year needed is known."""
        unknown = self.unknown_years()
        if not unknown:
            return None
        return unknown_year_warning(unknown, self.policy.public.source, self.config_file)


def calendar_desk(s: Services, uow: UnitOfWork) -> CalendarDesk:
    return CalendarDesk(
        uow=uow,
        policy=s.complaint_policy,
        clock=s.clock,
        config_file=s.settings.config_path("complaints.toml").resolve(),
    )
