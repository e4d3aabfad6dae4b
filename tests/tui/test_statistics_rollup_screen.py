"""The statistics screen says when figures read from a rollup were computed, and says nothing
of the kind for figures computed when asked."""

from datetime import timedelta

from textual.widgets import Static

from tests.statistics_data import populate
from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.statistics import StatisticsScreen


async def test_the_screen_says_how_old_rolled_up_figures_are(wb, tui_world):
    populate(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 36)) as desk:
        await desk.sign_in("analyst")  # computed directly: no rollup yet
        screen = desk.app.screen
        assert isinstance(screen, StatisticsScreen)
        assert "数据截至" not in str(screen.query_one("#stats-title", Static).render())

        computed = wb.clock.now()
        wb.usecases.statistics.refresh_rollups(None)
        wb.clock.advance(timedelta(minutes=4))
        await desk.press("f5")  # reload
        await desk.done("load")
        title = str(screen.query_one("#stats-title", Static).render())
        local = computed.astimezone(wb.settings.timezone).strftime("%Y-%m-%d %H:%M")
        assert f"数据截至 {local}（定时汇总）" in title
