"""SLA clocks: due times in business hours, paused time, and the escalation ladder. Pure.

A complaint runs up to three clocks, each with its own target from the policy and its own
climb up the ladder: the first response (from receipt until the member is first contacted), the
next reply (from each contact until the next one), and the resolution (from the start of each
round until it closes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from workbench.complaints.calendar import BusinessCalendar
from workbench.complaints.policy import Ladder


@dataclass(frozen=True)
class SlaClock:
    """One SLA clock: started at `start`, allowed `target` of business time, stopped for
    `paused` business time so far (and still stopped when `paused_since` is set)."""

    start: datetime
    target: timedelta
    paused: timedelta = timedelta(0)
    paused_since: datetime | None = None

    def due(self, calendar: BusinessCalendar) -> datetime | None:
        """None while paused: a stopped clock has no due time."""
        if self.paused_since is not None:
            return None
        return calendar.add(self.start, self.target + self.paused)

    def at_fraction(self, calendar: BusinessCalendar, fraction: float) -> datetime | None:
        if self.paused_since is not None:
            return None
        return calendar.add(self.start, self.target * fraction + self.paused)

    def used(self, calendar: BusinessCalendar, now: datetime) -> float:
        """The fraction of the target used by `now` (may exceed 1 after a breach)."""
        until = self.paused_since or now
        spent = calendar.between(self.start, until) - self.paused
        return max(spent, timedelta(0)) / self.target


def next_escalation(
    clock: SlaClock, calendar: BusinessCalendar, ladder: Ladder, level: int
) -> tuple[int, datetime] | None:
    """The next rung above `level` and when it is reached; None at the top or while paused."""
    for rung, fraction in ladder.steps():
        if rung > level:
            at = clock.at_fraction(calendar, fraction)
            return (rung, at) if at is not None else None
    return None


def reached_levels(
    clock: SlaClock, calendar: BusinessCalendar, ladder: Ladder, level: int, now: datetime
) -> list[int]:
    """Every rung above `level` already reached at `now`, lowest first."""
    reached = []
    for rung, fraction in ladder.steps():
        at = clock.at_fraction(calendar, fraction)
        if rung > level and at is not None and at <= now:
            reached.append(rung)
    return reached


class ClockName(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class RunningClock:
    """A clock that is running on a complaint, and the highest rung it has reached."""

    name: ClockName
    clock: SlaClock
    level: int


def next_rung_at(
    clocks: Iterable[RunningClock], calendar: BusinessCalendar, ladder: Ladder
) -> datetime | None:
    """When the earliest next rung of any running clock is reached (None: none ahead)."""
    times = [
        upcoming[1]
        for running in clocks
        if (upcoming := next_escalation(running.clock, calendar, ladder, running.level))
    ]
    return min(times, default=None)
