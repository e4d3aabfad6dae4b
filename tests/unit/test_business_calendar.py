"""Business-hour arithmetic across nights, weekends, holidays, make-up days and time zones."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.complaints.calendar import BusinessCalendar
from workbench.complaints.policy import Ladder
from workbench.complaints.sla import SlaClock, next_escalation, reached_levels

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = BusinessCalendar(
    zone=SHANGHAI,
    workdays=frozenset({1, 2, 3, 4, 5}),
    opens=time(9),
    closes=time(18),
    holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
    extra_workdays=frozenset({date(2026, 10, 10)}),  # a Saturday
)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "start, hours, due",
    [
        (local(2026, 3, 2, 10), 2, local(2026, 3, 2, 12)),  # within the day
        (local(2026, 3, 2, 17), 2, local(2026, 3, 3, 10)),  # across the night
        (local(2026, 3, 6, 17), 2, local(2026, 3, 9, 10)),  # across the weekend
        (local(2026, 3, 7, 11), 1, local(2026, 3, 9, 10)),  # starting on a Saturday
        (local(2026, 3, 2, 7), 9, local(2026, 3, 2, 18)),  # before opening: a whole day
        (local(2026, 3, 2, 20), 0, local(2026, 3, 3, 9)),  # at night, no time: next opening
        (local(2026, 9, 30, 17), 2, local(2026, 10, 5, 10)),  # holidays, then the weekend
        (local(2026, 10, 9, 17), 2, local(2026, 10, 10, 10)),  # a make-up Saturday
        (local(2026, 3, 2, 9), 45, local(2026, 3, 6, 18)),  # five whole days
    ],
)
def test_add(start, hours, due):
    assert CAL.add(start, timedelta(hours=hours)) == due


def test_between_is_the_inverse_of_add():
    start = local(2026, 9, 29, 15, 30)
    for hours in (0.5, 3, 9, 20, 100):
        due = CAL.add(start, timedelta(hours=hours))
        assert CAL.between(start, due) == timedelta(hours=hours)
    assert CAL.between(local(2026, 3, 3), local(2026, 3, 2)) == timedelta(0)


def test_store_in_another_time_zone():
    urumqi = BusinessCalendar(
        zone=ZoneInfo("Asia/Urumqi"), workdays=CAL.workdays, opens=time(9), closes=time(18)
    )
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 08:00 in Urumqi: not open yet
    assert urumqi.add(start, timedelta(hours=1)) == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def test_daylight_saving_day_counts_real_time():
    berlin = BusinessCalendar(
        zone=ZoneInfo("Europe/Berlin"),
        workdays=frozenset(range(1, 8)),
        opens=time(0, 30),
        closes=time(5),
    )
    # 29 March 2026: clocks jump from 02:00 to 03:00, so that day has 3.5 real hours open.
    day = datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert berlin.between(day, day.replace(hour=5)) == timedelta(hours=3, minutes=30)


def test_a_calendar_without_working_days_is_refused():
    with pytest.raises(ValueError):
        BusinessCalendar(zone=SHANGHAI, workdays=frozenset(), opens=time(9), closes=time(18))
    with pytest.raises(ValueError):
        BusinessCalendar(zone=SHANGHAI, workdays=frozenset({1}), opens=time(18), closes=time(9))


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=0, max_value=200 * 60),
)
def test_due_time_never_falls_outside_business_hours(start, minutes):
    due = CAL.add(start, timedelta(minutes=minutes))
    local_due = due.astimezone(SHANGHAI)
    assert CAL.is_working_day(local_due.date())
    assert time(9) <= local_due.time() <= time(18)
    assert due >= start
    assert CAL.between(start, due) == timedelta(minutes=minutes)


def test_pause_moves_the_due_time_and_ladder():
    start = local(2026, 3, 2, 9)
    running = SlaClock(start, timedelta(hours=8))
    paused = SlaClock(start, timedelta(hours=8), paused=timedelta(hours=3))
    stopped = SlaClock(start, timedelta(hours=8), paused_since=local(2026, 3, 2, 10))
    assert running.due(CAL) == local(2026, 3, 2, 17)
    assert paused.due(CAL) == local(2026, 3, 3, 11)
    assert stopped.due(CAL) is None
    assert next_escalation(stopped, CAL, Ladder(), 0) is None
    assert next_escalation(running, CAL, Ladder(), 0) == (1, local(2026, 3, 2, 15))
    assert next_escalation(running, CAL, Ladder(), 3) is None
    late = local(2026, 3, 3, 14)  # 1.5 x 8 hours = 12 business hours: Tue 12:00
    assert reached_levels(running, CAL, Ladder(), 0, late) == [1, 2, 3]
    assert reached_levels(running, CAL, Ladder(), 2, late) == [3]
    assert running.used(CAL, local(2026, 3, 2, 13)) == 0.5
