"""The clock: a fixed clock for tests refuses naive times and moves only when told; local day
boundaries in Asia/Shanghai."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from workbench.clock import FixedClock, SystemClock, as_utc, local_day_start

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


def test_fixed_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 3, 2, 9, 0))
    clock = FixedClock(START)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2026, 3, 2, 9, 0))
    assert clock.now() == START


def test_fixed_clock_stands_still_and_reports_utc():
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI))
    assert clock.now() == START
    assert clock.now().tzinfo is UTC
    assert clock.now() == clock.now()


def test_advance_by_timedelta_or_keywords():
    clock = FixedClock(START)
    assert clock.advance(timedelta(minutes=5)) == START + timedelta(minutes=5)
    assert clock.advance(hours=1, seconds=30) == START + timedelta(hours=1, minutes=5, seconds=30)
    assert clock.now() == START + timedelta(hours=1, minutes=5, seconds=30)
    assert clock.advance(days=-1) == START + timedelta(days=-1, hours=1, minutes=5, seconds=30)


def test_set_moves_to_any_aware_instant():
    clock = FixedClock(START)
    clock.set(datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=8))))
    assert clock.now() == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_system_clock_is_aware_utc():
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_as_utc_restores_the_zone_sqlite_dropped():
    assert as_utc(datetime(2026, 3, 2, 1, 0)) == START
    assert as_utc(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)) == START
    assert as_utc(START).tzinfo is UTC


@pytest.mark.parametrize(
    "at, local_midnight",
    [
        (START, datetime(2026, 3, 2, tzinfo=SHANGHAI)),  # 09:00 local
        (datetime(2026, 3, 1, 16, 0, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=SHANGHAI)),  # 00:00
        (datetime(2026, 3, 1, 15, 59, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=SHANGHAI)),  # 23:59
        (datetime(2026, 3, 2, 15, 59, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=SHANGHAI)),
        (datetime(2026, 1, 1, 2, 0, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=SHANGHAI)),
    ],
)
def test_local_day_start_in_shanghai(at, local_midnight):
    start = local_day_start(at, SHANGHAI)
    assert start == local_midnight
    assert start.astimezone(UTC) == local_midnight.astimezone(UTC)
    assert start.astimezone(UTC).hour == 16  # Shanghai midnight is 16:00 UTC the day before
    assert start <= at < start + timedelta(days=1)
