"""The statistics rollups give exactly the figures of a direct computation, on seeded random
worlds and both backends: every reader (analyst, supervisor, a store manager, an agent), every
period the statistics screen offers, small groups hidden the same way; again after returns,
points expiry, terminations, erasures, new members and tier changes once the rollup is
refreshed. A report read from a rollup says when it was computed and reads none of the rows the
direct computation sums; one older than three refresh intervals is not used."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.rollup_worlds import change, populate
from workbench.permissions.access import AccessDenied
from workbench.statistics.service import ROLLUP_MONTHS

READERS = ("analyst", "supervisor", "manager_own", "manager_other", "agent")
SUMMED = ("purchase", "points_entry", "member_card", "callback_attempt", "complaint")


def _reports(wb, actor, period):
    statistics = wb.statistics
    return (
        statistics.overview(actor, period),
        statistics.kpis(actor, period),
        statistics.members(actor, period) if _may(wb, actor) else None,
    )


def _may(wb, actor) -> bool:
    return wb.usecases.statistics.rights(actor).members


def _direct(wb, actor, period):
    rollups, wb.statistics.rollups = wb.statistics.rollups, None
    try:
        return _reports(wb, actor, period)
    finally:
        wb.statistics.rollups = rollups


def _without_as_of(reports):
    overview, kpis, members = reports
    stats, overview_kpis = overview
    return (
        (stats and replace(stats, as_of=None), replace(overview_kpis, as_of=None)),
        replace(kpis, as_of=None),
        members and replace(members, as_of=None),
    )


class _Statements:
    """The SQL a block runs."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def _record(self, conn, cursor, statement, *args) -> None:
        self.seen.append(statement.lower())

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def tables_read(self) -> set[str]:
        return {
            t
            for s in self.seen
            for t in SUMMED
            if f"from {t} " in s or f"from {t}\n" in s or f"join {t} " in s
        }


def _check_equal(wb, world, as_of) -> None:
    for months in ROLLUP_MONTHS:
        period = wb.statistics.period(months=months)
        for reader in READERS:
            actor = world.staff[reader]
            direct = _direct(wb, actor, period)
            with _Statements(wb.engine) as statements:
                rolled = _reports(wb, actor, period)
            overview, kpis, members = rolled
            assert kpis.as_of == as_of and overview[1].as_of == as_of
            if members is not None:
                assert members.as_of == as_of and overview[0].as_of == as_of
            assert _without_as_of(rolled) == direct, (months, reader)
            assert statements.tables_read() == set(), (months, reader)


@pytest.mark.parametrize("seed", [11, 2026])
def test_rollup_figures_equal_a_direct_computation(wb, world, seed):
    rng = random.Random(seed)
    populate(wb, rng)
    refreshed = wb.usecases.statistics.refresh_rollups(None)
    assert len(refreshed.periods) == len(ROLLUP_MONTHS)
    computed = wb.clock.now()
    _check_equal(wb, world, computed)

    wb.clock.advance(timedelta(minutes=5))
    done = change(wb, rng)
    assert done["returns"] and done["terminated"] and done["erased"] and done["joined"]
    # Until the next refresh the screen shows the rollup, and says how old it is.
    period = wb.statistics.period()
    stale = wb.statistics.kpis(world.staff["analyst"], period)
    assert stale.as_of == computed

    wb.usecases.statistics.refresh_rollups(world.staff["analyst"])
    _check_equal(wb, world, wb.clock.now())


def test_an_old_rollup_is_not_used(wb, world):
    populate(wb, random.Random(7))
    wb.usecases.statistics.refresh_rollups(None)
    minutes = wb.statistics.rollups.minutes
    wb.clock.advance(timedelta(minutes=3 * minutes + 1))
    period = wb.statistics.period()
    analyst = world.staff["analyst"]
    assert wb.statistics.kpis(analyst, period).as_of is None  # computed directly
    assert _without_as_of(_reports(wb, analyst, period)) == _direct(wb, analyst, period)


def test_a_period_without_a_rollup_is_computed_directly(wb, world):
    populate(wb, random.Random(8))
    wb.usecases.statistics.refresh_rollups(None)
    period = wb.statistics.period(months=5)  # the screen does not offer it
    assert wb.statistics.members(world.staff["analyst"], period).as_of is None


def test_only_managers_and_the_scheduler_refresh_rollups(wb, world):
    with pytest.raises(AccessDenied):
        wb.usecases.statistics.refresh_rollups(world.staff["agent"])
    with pytest.raises(AccessDenied):
        wb.usecases.statistics.refresh_rollups(world.staff["manager_own"])
    assert wb.usecases.statistics.refresh_rollups(world.staff["supervisor"]).complaints


def test_rollups_off_refresh_nothing(wb, world):
    wb.statistics.rollups = None
    done = wb.usecases.statistics.refresh_rollups(None)
    assert done.periods == () and done.complaints is None


def test_refresh_from_the_command_line_and_the_reports_say_as_of_when(wb, world, run_cli):
    populate(wb, random.Random(4), members=20, complaints=20)
    code, out, _ = run_cli("report", "refresh-rollups", user="agent")
    assert code != 0 and "refresh" in out + _
    code, out, _ = run_cli("report", "refresh-rollups", user="analyst")
    assert code == 0 and out.count("refreshed") == len(ROLLUP_MONTHS) + 1
    local = wb.clock.now().astimezone(wb.settings.timezone).strftime("%Y-%m-%d %H:%M")
    code, out, _ = run_cli("report", "members", user="analyst")
    assert code == 0 and f"figures as of {local}" in out
    code, out, _ = run_cli("report", "kpis", user="analyst")
    assert code == 0 and f"figures as of {local}" in out
    code, out, _ = run_cli("report", "kpis", "--from", "2025-01-01", user="analyst")
    assert code == 0 and "figures as of" not in out  # not a rolled-up period
