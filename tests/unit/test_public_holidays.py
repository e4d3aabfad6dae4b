"""The SLA calendar's days from the maintained package (chinese-calendar): 2026's holidays and
make-up working days as the State Council's notice has them, store overrides on top, and a year
the package does not know yet named, never silently counted as ordinary weeks."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from workbench.complaints.calendar import DayOverrides, year_days, years_needed
from workbench.complaints.policy import load_complaint_policy
from workbench.complaints.public_holidays import china_public_days
from workbench.settings import CHECKOUT_CONFIG_DIR

CONFIG = CHECKOUT_CONFIG_DIR / "complaints.toml"
# The first year the installed package has no notice for (2027 with chinese-calendar 1.11).
NEXT = max(china_public_days().known_years) + 1


@pytest.fixture(scope="module")
def policy():
    return load_complaint_policy(CONFIG)


def test_2026_holidays_and_make_up_days_come_from_the_package(policy):
    public = china_public_days()
    assert 2026 in public.known_years and public.source.startswith("chinese-calendar")
    cal = policy.calendar
    # Spring Festival: Saturday 14 February and Saturday 28 February 2026 are worked.
    for saturday in (date(2026, 2, 14), date(2026, 2, 28), date(2026, 1, 4), date(2026, 10, 10)):
        assert saturday.isoweekday() in (6, 7) and cal.is_working_day(saturday)
    for day_off in (date(2026, 1, 1), date(2026, 2, 16), date(2026, 2, 23), date(2026, 10, 7)):
        assert day_off.isoweekday() <= 5 and not cal.is_working_day(day_off)
    assert cal.is_working_day(date(2026, 3, 2))  # an ordinary Monday


def test_a_make_up_saturday_counts_business_hours(policy):
    cal = policy.calendar
    # Friday 13 February 2026, 17:00 Shanghai (09:00 UTC): 2 business hours run to Saturday 10:00.
    start = datetime(2026, 2, 13, 9, 0, tzinfo=UTC)
    assert cal.add(start, timedelta(hours=2)) == datetime(2026, 2, 14, 2, 0, tzinfo=UTC)
    # Friday 1 May is a holiday, the 4th and 5th too; Saturday 9 May is worked.
    assert cal.between(
        datetime(2026, 4, 30, 10, 0, tzinfo=UTC), datetime(2026, 5, 6, 1, 0, tzinfo=UTC)
    ) == timedelta(0)


def test_the_figures_of_the_old_hand_list_are_kept(policy):
    """The 2026 list config/complaints.toml used to hold by hand: the same working days."""
    hand_off = {
        "2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
        "2026-02-20", "2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05",
        "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06",
        "2026-10-07",
    }  # fmt: skip
    hand_on = {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}
    shown = year_days(
        policy.calendar, 2026, public=policy.public, overrides=policy.overrides_for(None)
    )
    assert {d.isoformat() for d, _ in shown.days_off} == hand_off
    assert {d.isoformat() for d, _ in shown.extra_working_days} == hand_on
    assert shown.known


def test_2027_as_the_package_has_it(policy):
    """Known: New Year's Day (a Friday) is off and the notice's make-up days are worked;
    not yet known (chinese-calendar 1.11): named as unknown, with no days of its own."""
    shown = year_days(
        policy.calendar, 2027, public=policy.public, overrides=policy.overrides_for(None)
    )
    if 2027 in policy.public.known_years:
        assert (date(2027, 1, 1), "public") in shown.days_off
        assert all(policy.calendar.is_working_day(d) for d, _ in shown.extra_working_days)
        assert policy.public.unknown([2027]) == []
    else:
        assert policy.public.unknown([2026, 2027]) == [2027]
        assert not shown.known and shown.days_off == () and shown.extra_working_days == ()


def test_a_year_past_the_package_is_named(policy):
    assert policy.public.unknown([NEXT - 1, NEXT]) == [NEXT]
    shown = year_days(
        policy.calendar, NEXT, public=policy.public, overrides=policy.overrides_for(None)
    )
    assert not shown.known and shown.days_off == () and shown.extra_working_days == ()
    # In a year's last month the clocks may run into the next: it is needed then, not in March.
    assert years_needed(date(NEXT - 1, 3, 2)) == [NEXT - 1]
    assert years_needed(date(NEXT - 1, 12, 2)) == [NEXT - 1, NEXT]


def _config_with(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "complaints.toml"
    path.write_text(CONFIG.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def test_store_overrides_close_and_open_days(tmp_path):
    path = _config_with(
        tmp_path,
        '\n[[calendar.store]]\nstore = "SH01"\nclosed = ["2026-03-04"]\n'
        'open = ["2026-10-01", "2026-03-07"]\n',
    )
    policy = load_complaint_policy(path)
    own = policy.calendar_for(None, "SH01")
    other = policy.calendar_for(None, "BJ01")
    assert not own.is_working_day(date(2026, 3, 4)) and other.is_working_day(date(2026, 3, 4))
    assert own.is_working_day(date(2026, 10, 1)) and not other.is_working_day(date(2026, 10, 1))
    assert own.is_working_day(date(2026, 3, 7)) and not other.is_working_day(date(2026, 3, 7))
    # The make-up days of the public list stay for the store.
    assert own.is_working_day(date(2026, 2, 14))
    shown = year_days(own, 2026, public=policy.public, overrides=policy.overrides_for("SH01"))
    assert (date(2026, 3, 4), "override") in shown.days_off
    assert (date(2026, 3, 7), "override") in shown.extra_working_days
    assert (date(2026, 2, 14), "public") in shown.extra_working_days
    assert date(2026, 10, 1) not in {d for d, _ in shown.days_off}


def test_chain_wide_overrides_fill_a_year_the_package_does_not_know(tmp_path):
    text = CONFIG.read_text(encoding="utf-8").replace(
        "closed = []\nopen = []", 'closed = ["2027-01-01"]\nopen = ["2027-01-09"]'
    )
    text = text.replace("2027", str(NEXT)) if NEXT != 2027 else text
    path = tmp_path / "complaints.toml"
    path.write_text(text, encoding="utf-8")
    policy = load_complaint_policy(path)
    assert policy.overrides == DayOverrides(
        closed=frozenset({date(NEXT, 1, 1)}), open=frozenset({date(NEXT, 1, 9)})
    )
    assert not policy.calendar.is_working_day(date(NEXT, 1, 1))
    assert policy.calendar.is_working_day(date(NEXT, 1, 9))
    assert policy.public.unknown([NEXT]) == [NEXT]  # listed in part: still warned about
    listed = text.replace("listed_years = []", f"listed_years = [{NEXT}]")
    path.write_text(listed, encoding="utf-8")
    assert load_complaint_policy(path).public.unknown([NEXT - 1, NEXT]) == []  # listed in full


def test_no_public_source_is_a_choice_not_a_gap(tmp_path):
    text = CONFIG.read_text(encoding="utf-8").replace(
        'public_holidays = "chinese-calendar"', 'public_holidays = "none"'
    )
    path = tmp_path / "complaints.toml"
    path.write_text(text, encoding="utf-8")
    policy = load_complaint_policy(path)
    assert policy.public.unknown([2027]) == []
    assert policy.calendar.is_working_day(date(2026, 10, 1))


def test_an_unknown_source_is_refused(tmp_path):
    from workbench.errors import ConfigError

    text = CONFIG.read_text(encoding="utf-8").replace(
        'public_holidays = "chinese-calendar"', 'public_holidays = "holidays"'
    )
    path = tmp_path / "complaints.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="chinese-calendar"):
        load_complaint_policy(path)
