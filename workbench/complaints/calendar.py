"""Business-hour arithmetic on a store's calendar: working days, opening hours, public holidays
and make-up working days, in the store's time zone. Pure: no I/O, no clock.

All arithmetic is done in UTC between window edges computed in local time, so a day whose UTC
offset changes is still counted by real elapsed time.
"""

from __future__ import annotations

from collections.abc import Iterator
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
