"""Snapshots of the statistics screen and the supervisor dashboard on the known statistics world
and a fixed clock (refresh with `pytest tests/tui/test_snapshots.py --snapshot-update` and look
at the SVGs before committing them). One backend is enough: the pictures are the same.

The screens show aggregates only: the last test checks that no stored picture holds a member's
name, number or phone number."""

import re
from datetime import date
from pathlib import Path

import pytest

from tests.statistics_data import populate
from tests.tui.harness import Desk
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.dashboard import DashboardScreen

SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _signed_in(username: str, dashboard: bool = False):
    """Signed in (their first screen loaded); with `dashboard`, F6 and the dashboard loaded."""

    async def run_before(pilot) -> None:
        desk = Desk.attach(pilot)
        await desk.sign_in(username)
        if dashboard:
            await desk.press("f6")
            await desk.shown(DashboardScreen)
            await desk.done("load")
        await desk.at_rest()

    return run_before


@sqlite_only
def test_statistics_screen(wb, tui_world, snap_compare):
    populate(wb, tui_world)
    assert snap_compare(WorkbenchApp(wb), terminal_size=(100, 30), run_before=_signed_in("analyst"))


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@sqlite_only
def test_dashboard(wb, tui_world, clock, snap_compare, size):
    populate(wb, tui_world)
    campaign = wb.campaigns.create(
        tui_world.staff["supervisor"],
        name="银卡关怀",
        segment={"tier": "silver"},
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        daily_capacity=3,
    )
    wb.campaigns.materialise(campaign.id)
    clock.advance(hours=1)
    assert snap_compare(
        WorkbenchApp(wb), terminal_size=size, run_before=_signed_in("supervisor", dashboard=True)
    )


def test_no_picture_holds_personal_data():
    pictures = sorted(SNAPSHOTS.glob("*.svg"))
    assert len(pictures) == 3
    for picture in pictures:
        text = picture.read_text(encoding="utf-8")
        assert "全部门店" in text or "主管看板" in text  # the pictures are what we think they are
        for pattern in (
            r"1[3-9]\d{9}",
            r"\bM\d{9}\b",
            r"\bT[SB]\d{2}\b",
            "张伟",
            "王小明",
            r"@example\.com",
            r"\d{17}[\dX]",
        ):
            assert not re.search(pattern, text), f"{picture.name} shows {pattern}"
