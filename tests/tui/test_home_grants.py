"""The home screen lists each of the agent's grants once, with when it started and ends."""

from datetime import timedelta

from textual.widgets import DataTable

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp


async def test_a_member_searched_twice_is_one_grant_with_its_dates(wb, tui_world, clock):
    agent = tui_world.staff["agent"]
    for _ in range(2):  # each search opens a look-up grant
        assert wb.usecases.members.find_by_phone(agent, tui_world.app.phone) is not None
        clock.advance(minutes=5)
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        table = desk.app.screen.query_one("#grants", DataTable)
        assert [str(c.label) for c in table.columns.values()] == [
            "会员",
            "来源",
            "开始",
            "截止",
            "剩余",
        ]
        assert table.row_count == 1
        member, source, starts, ends, left = (str(c) for c in table.get_row_at(0))
        assert member.startswith(tui_world.member_no) and source == "查找"
        window = timedelta(minutes=wb.settings.protection_lookup_minutes)
        zone = wb.settings.timezone
        start = clock.now() - timedelta(minutes=10)
        assert starts == start.astimezone(zone).strftime("%m-%d %H:%M") == "03-02 09:00"
        assert ends == (start + timedelta(minutes=5) + window).astimezone(zone).strftime(
            "%m-%d %H:%M"
        )
        assert left == "25:00"
