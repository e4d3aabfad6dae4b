"""`workbench calendar show`: the days the SLA clocks will use, for the chain and for a store
with its own days; a year the holiday package does not know yet is a loud warning there and at
every start."""

import logging
from datetime import UTC, datetime

import pytest

from tests.conftest import START
from workbench.bootstrap import build
from workbench.clock import FixedClock
from workbench.complaints.public_holidays import china_public_days
from workbench.settings import CHECKOUT_CONFIG_DIR

NEXT = max(china_public_days().known_years) + 1  # 2027 with chinese-calendar 1.11


@pytest.fixture
def cli(run_cli, people):
    return run_cli


def test_2026_lists_public_holidays_and_make_up_days(cli):
    code, out, err = cli("calendar", "show", "--year", "2026")
    assert code == 0, err
    assert "every store" in out and "chinese-calendar" in out and "Asia/Shanghai" in out
    lines = out.splitlines()
    assert any("2026-02-14" in line and "Sat" in line and "working day" in line for line in lines)
    assert any("2026-10-01" in line and "day off" in line and "public" in line for line in lines)
    assert "warning" not in err
    # one list in date order: the make-up Saturday between the days off it makes up for
    dates = [line.split()[1] for line in lines if line.startswith("│ 2026-")]
    assert dates == sorted(dates) and dates.index("2026-02-14") < dates.index("2026-02-16")


def test_a_year_the_package_does_not_know_is_a_loud_warning(cli):
    code, out, err = cli("calendar", "show", "--year", str(NEXT), "--store", "SH01")
    assert code == 0
    assert "store SH01" in out
    assert "warning:" in err and f"does not know {NEXT}" in err and "chinese-calendar" in err
    # the output itself says it: no public days that year, not an empty table
    assert "no public holidays: chinese-calendar" in " ".join(out.split())
    assert "no day differs from the weekly pattern" in out and "public holidays from" not in out
    # the file to edit, by the path it was read from
    assert f"overrides in {(CHECKOUT_CONFIG_DIR / 'complaints.toml').resolve()}." in err


def test_a_store_with_its_own_days(run_cli, people, tmp_path):
    (tmp_path / "workbench.toml").write_text("", encoding="utf-8")
    text = (CHECKOUT_CONFIG_DIR / "complaints.toml").read_text(encoding="utf-8")
    text += '\n[[calendar.store]]\nstore = "SH01"\nclosed = ["2026-07-15"]\nopen = ["2026-10-03"]\n'
    (tmp_path / "complaints.toml").write_text(text, encoding="utf-8")
    config = str(tmp_path / "workbench.toml")
    code, out, err = run_cli(
        "--config", config, "calendar", "show", "--year", "2026", "--store", "SH01"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert any("2026-07-15" in line and "day off" in line and "override" in line for line in lines)
    assert any(
        "2026-10-03" in line and "working day" in line and "override" in line for line in lines
    )
    code, out, _ = run_cli(
        "--config", config, "calendar", "show", "--year", "2026", "--store", "BJ01"
    )
    assert code == 0 and "2026-07-15" not in out and "2026-10-03" not in out


def test_an_unknown_store_is_refused(cli):
    code, _, err = cli("calendar", "show", "--year", "2026", "--store", "XX99")
    assert code == 2 and "no store with code 'XX99'" in err and "Traceback" not in err


def test_every_start_warns_near_an_unknown_year(settings, keyring, caplog):
    caplog.set_level(logging.WARNING, logger="workbench.calendar")
    late = FixedClock(datetime(NEXT - 1, 12, 2, 1, 0, tzinfo=UTC))
    wb = build(settings, clock=late, keyring=keyring)
    try:
        assert wb.usecases.calendar.unknown_years() == [NEXT]
    finally:
        wb.dispose()
    warned = [r for r in caplog.records if r.name == "workbench.calendar"]
    assert warned and f"does not know {NEXT}" in warned[0].getMessage()
    caplog.clear()
    wb = build(settings, clock=FixedClock(START), keyring=keyring)
    wb.dispose()
    assert not [r for r in caplog.records if r.name == "workbench.calendar"]


def test_in_december_the_start_up_warning_is_not_said_twice(cli, clock):
    clock.set(datetime(NEXT - 1, 12, 2, 1, 0, tzinfo=UTC))
    code, _out, err = cli("calendar", "show", "--year", str(NEXT))
    assert code == 0
    # said once, at start (the console's log line, as for every command), not again after
    assert err.count(f"does not know {NEXT}") == 1 and "WARNING workbench.calendar" in err
    assert "warning:" not in err
    code, _out, err = cli("calendar", "show", "--year", str(NEXT + 1))
    assert "warning: the public-holiday source" in err and f"does not know {NEXT + 1}" in err
