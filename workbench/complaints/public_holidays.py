"""China's public holidays and 调休 make-up working days, from the chinese-calendar package
(kept up to date from the State Council's yearly notice), and the years it knows.

Chosen over python-holidays: chinese-calendar lists both the days off and the make-up working
days of each notice, and refuses a year whose notice it does not have yet; python-holidays has no
make-up working days for China and estimates future years from the lunar calendar, which would
count a year it does not know yet silently wrong."""

from __future__ import annotations

import chinese_calendar

from workbench.complaints.calendar import PublicDays


def china_public_days() -> PublicDays:
    """Every holiday and make-up working day the package knows, with the years it covers."""
    holidays = frozenset(chinese_calendar.holidays)  # days off, weekends within them too
    make_up = frozenset(chinese_calendar.workdays)  # weekend days worked to make up for them
    # The package's own rule: a year between its first and last holiday has data.
    first, last = min(holidays).year, max(holidays).year
    return PublicDays(
        source=f"chinese-calendar {_version()}",
        holidays=holidays,
        make_up_workdays=make_up,
        known_years=frozenset(range(first, last + 1)),
    )


def _version() -> str:
    return str(getattr(chinese_calendar, "__version__", "?"))
