"""Days and moments given on the command line, parsed into values the rest can compute with:
within the days a period may name (statistics.period: 1900-01-01 to 2999-12-31), so a day
turned into UTC, or a moment moved by a duration, never runs off the calendar. A bad value is a
ValidationError naming the option, never an OverflowError."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from workbench.errors import ValidationError
from workbench.statistics.period import FIRST_DAY, LAST_DAY

RANGE = f"from {FIRST_DAY} to {LAST_DAY}"


def parse_day(text: str, option: str) -> date:
    """A day as YYYY-MM-DD."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(option, "a date as YYYY-MM-DD") from None
    return _within(day, option)


def parse_moment(text: str, option: str, zone: tzinfo, example: str) -> datetime:
    """A date or a date-time (ISO); without an offset, in `zone`."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(option, f"an ISO time such as {example}") from None
    _within(moment.date(), option)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def before(now: datetime, option: str, **amount: int) -> datetime:
    """`now` less a duration (`days=2`), refused when that leaves the range."""
    try:
        moment = now - timedelta(**amount)
    except OverflowError:
        raise ValidationError(option, f"too far back: give a time {RANGE}") from None
    _within(moment.date(), option)
    return moment


def _within(day: date, option: str) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(option, f"a day {RANGE}")
    return day
