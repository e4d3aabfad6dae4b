"""The complaint report read from its rollup is the direct computation's, figure for figure
(percentiles of hours to first response and to resolution included), on seeded random worlds
and both backends: for a supervisor (every figure) and for the aggregate-only roles (small
groups hidden the same way), and again after new complaints, closes and scores once refreshed.
One store's report, another period and an old rollup are computed directly."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.rollup_worlds import add_complaints, populate
from workbench.complaints.models import Complaint
from workbench.members.models import Member, Staff, Store

READERS = ("supervisor", "analyst", "admin", "dept_head")


def _report(wb, actor, period, **options):
    return wb.complaint_reports.report(actor, start=period.start, end=period.end, **options)


def _direct(wb, actor, period, **options):
    rollups, wb.complaint_reports.rollups = wb.complaint_reports.rollups, None
    try:
        return _report(wb, actor, period, **options)
    finally:
        wb.complaint_reports.rollups = rollups


def _check_equal(wb, world, as_of) -> None:
    period = wb.statistics.period()
    for reader in READERS:
        actor = world.staff[reader]
        rolled = _report(wb, actor, period)
        assert rolled.as_of == as_of
        assert replace(rolled, as_of=None) == _direct(wb, actor, period), reader
        assert rolled.to_dict()["as_of"] == as_of.isoformat()


@pytest.mark.parametrize("seed", [5, 99])
def test_the_rolled_up_report_equals_the_direct_one(wb, world, seed):
    rng = random.Random(seed)
    populate(wb, rng, members=30, complaints=150)
    wb.usecases.statistics.refresh_rollups(None)
    computed = wb.clock.now()
    report = _report(wb, world.staff["supervisor"], wb.statistics.period())
    assert report.total and report.resolution_hours_p90 is not None  # there is something to check
    _check_equal(wb, world, computed)

    wb.clock.advance(timedelta(minutes=7))
    with wb.sessions() as session:
        stores = list(session.scalars(select(Store.id)))
        staff = list(session.scalars(select(Staff.id)))
        members = list(session.scalars(select(Member.id)))
        open_ones = list(
            session.scalars(select(Complaint.id).where(Complaint.state != "closed").limit(5))
        )
        now = wb.clock.now()
        session.execute(
            update(Complaint)
            .where(Complaint.id.in_(open_ones))
            .values(state="closed", closed_at=now, satisfaction=2)
        )
        session.commit()
    add_complaints(wb, rng, 20, members, stores, staff)
    assert _report(wb, world.staff["supervisor"], wb.statistics.period()).as_of == computed

    wb.usecases.statistics.refresh_rollups(world.staff["analyst"])
    _check_equal(wb, world, wb.clock.now())


def test_what_is_computed_directly(wb, world):
    populate(wb, random.Random(1), members=20, complaints=60)
    wb.usecases.statistics.refresh_rollups(None)
    supervisor = world.staff["supervisor"]
    period = wb.statistics.period()
    assert _report(wb, supervisor, period).as_of is not None
    own = _report(wb, world.staff["manager_own"], period)  # one store: read directly
    assert own.as_of is None and own == _direct(wb, world.staff["manager_own"], period)
    other = wb.statistics.period(months=6)
    assert _report(wb, supervisor, other).as_of is None
    wb.clock.advance(timedelta(minutes=3 * wb.complaint_reports.rollups.minutes + 1))
    assert _report(wb, supervisor, period).as_of is None
