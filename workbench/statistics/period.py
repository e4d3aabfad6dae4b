"""The period a statistic covers: whole local days [first day, day after the last), kept in UTC.

The default is the last 12 months up to and including today, in the business's time zone."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from workbench.clock import Clock
from workbench.errors import ValidationError

DEFAULT_MONTHS = 12
MAX_MONTHS = 1200
# The days a period may name: far enough for any record the business keeps, near enough that
# turning a day into UTC, or a period into the one before it, stays within the calendar.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs timezone-aware instants")
        if self.start >= self.end:
            raise ValidationError("from", "the period must start before it ends")

    def previous(self) -> Period:
        """The period of the same length just before this one (retention compares the two)."""
        return Period(self.start - (self.end - self.start), self.start)

    def days(self, zone: tzinfo) -> tuple[date, date]:
        """The first and the last local day covered."""
        last = (self.end - timedelta(microseconds=1)).astimezone(zone).date()
        return self.start.astimezone(zone).date(), last


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_of_days(
    clock: Clock,
    zone: tzinfo,
    *,
    first: date | None = None,
    after_last: date | None = None,
    months: int = DEFAULT_MONTHS,
) -> Period:
    """[first, after_last) in local days; by default the `months` months up to today."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError("months", f"from 1 to {MAX_MONTHS} months")
    for name, day in (("from", first), ("to", after_last)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(name, f"a day from {FIRST_DAY} to {LAST_DAY}")
    end_day = after_last or clock.now().astimezone(zone).date() + timedelta(days=1)
    start_day = first or months_before(end_day, months)
    if start_day >= end_day:
        raise ValidationError("from", "the first day must come before --to, the day after the last")
    return Period(_midnight(start_day, zone), _midnight(end_day, zone))


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
