"""Business-hour arithmetic on a store's calendar: working days, opening hours, public holidays
and make-up working days, in the store's time zone. Pure: no I/O, no clock.

All arithmetic is done in UTC between window edges computed in local time, so a day whose UTC
offset changes is still counted by real elapsed time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
MAX_DAYS = 3660  # a target this far out means a broken calendar (no working days at all)


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    workdays: frozenset[int]  # ISO weekdays, Monday = 1
    opens: time
    closes: time
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()  # e.g. a Saturday worked to make up a holiday

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError("the calendar must open before it closes")
        if not self.workdays and not self.extra_workdays:
            raise ValueError("the calendar has no working days")

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.isoweekday() in self.workdays and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """That day's business hours in UTC, or None on a day off."""
        if not self.is_working_day(day):
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        end = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        return start, end

    def _windows_from(self, at: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = at.astimezone(self.zone).date()
        for offset in range(MAX_DAYS):
            window = self.window(day + timedelta(days=offset))
            if window is not None and window[1] > at:
                yield max(window[0], at), window[1]
        raise ValueError("no business hours within ten years")

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when `duration` of business time has passed since `start`. The result
        always lies within business hours (a window's closing instant included)."""
        if duration < ZERO:
            raise ValueError("a duration of business time cannot be negative")
        remaining = duration
        for begin, end in self._windows_from(start.astimezone(UTC)):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end` (zero when end is not after start)."""
        total = ZERO
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return ZERO
        for begin, close in self._windows_from(start):
            if begin >= end:
                break
            total += min(close, end) - begin
        return total

    def is_open(self, at: datetime) -> bool:
        window = self.window(at.astimezone(self.zone).date())
        return window is not None and window[0] <= at.astimezone(UTC) <= window[1]


@dataclass(frozen=True)
class PublicDays:
    """The country's days off and make-up working days, from a maintained source, and the years
    that source knows: any other year has only the weekly working days and the overrides."""

    source: str
    holidays: frozenset[date]
    make_up_workdays: frozenset[date]
    known_years: frozenset[int]
    every_year: bool = False  # no source, chosen so: no year is missing from it

    def knows(self, year: int) -> bool:
        return self.every_year or year in self.known_years

    def unknown(self, years: Iterable[int]) -> list[int]:
        return sorted(y for y in set(years) if not self.knows(y))


NO_PUBLIC_DAYS = PublicDays("none", frozenset(), frozenset(), frozenset(), every_year=True)


@dataclass(frozen=True)
class DayOverrides:
    """Days the configuration sets itself, chain-wide or for one store: closed (a day off of its
    own) and open (an extra working day). Closed wins over open and over a make-up day."""

    closed: frozenset[date] = frozenset()
    open: frozenset[date] = frozenset()

    def __or__(self, other: DayOverrides) -> DayOverrides:
        return DayOverrides(self.closed | other.closed, self.open | other.open)


def years_needed(today: date, ahead: timedelta = timedelta(days=31)) -> list[int]:
    """The years SLA clocks started now may run into: this one and, in its last month, the
    next (the longest SLA target, 90 business hours, is about two weeks of working days)."""
    return sorted({today.year, (today + ahead).year})


def compose(
    *,
    zone: ZoneInfo,
    workdays: frozenset[int],
    opens: time,
    closes: time,
    public: PublicDays,
    overrides: DayOverrides = DayOverrides(),
) -> BusinessCalendar:
    """The calendar the SLA clocks use: the public days, then the overrides on top."""
    extra = (public.make_up_workdays | overrides.open) - overrides.closed
    holidays = (public.holidays - overrides.open) | overrides.closed
    return BusinessCalendar(
        zone=zone,
        workdays=workdays,
        opens=opens,
        closes=closes,
        holidays=frozenset(holidays),
        extra_workdays=frozenset(extra),
    )


@dataclass(frozen=True)
class YearDays:
    """What the clocks will do in one year: days off that would otherwise be working days, and
    working days that would otherwise be off (weekends worked), each with where it comes from."""

    year: int
    known: bool  # the public source has this year
    days_off: tuple[tuple[date, str], ...]
    extra_working_days: tuple[tuple[date, str], ...]


def year_days(
    calendar: BusinessCalendar,
    year: int,
    *,
    public: PublicDays,
    overrides: DayOverrides,
) -> YearDays:
    """The calendar's exceptions to its weekly pattern in `year`, each named by its source:
    "public" (the maintained list) or "override" (the configuration)."""
    off: list[tuple[date, str]] = []
    extra: list[tuple[date, str]] = []
    day = date(year, 1, 1)
    while day.year == year:
        weekly = day.isoweekday() in calendar.workdays
        working = calendar.is_working_day(day)
        source = "override" if day in overrides.closed or day in overrides.open else "public"
        if weekly and not working:
            off.append((day, source))
        elif working and not weekly:
            extra.append((day, source))
        day += timedelta(days=1)
    return YearDays(year, public.knows(year), tuple(off), tuple(extra))
