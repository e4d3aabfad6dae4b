"""A store manager's dashboard: their store's figures, with what is withheld as a small group
written as such ("<5", "≥5", a note under the trend), never `None` or a zero drawn for it."""

from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from tests.statistics_data import populate
from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.dashboard import DashboardScreen


async def test_a_store_managers_dashboard_shows_figures_not_none(wb, tui_world, clock):
    populate(wb, tui_world)
    clock.advance(hours=1)
    async with running(WorkbenchApp(wb), size=(200, 50)) as desk:
        await desk.sign_in("manager_own")
        await desk.press("f6")
        screen = await desk.shown(DashboardScreen)
        await desk.done("load")
        assert isinstance(screen, DashboardScreen)
        report = screen.report
        assert report.store_code == "SH01" and report.repeat_complainers is None  # withheld
        compliance = str(screen.query_one("#compliance", Static).render())
        assert "None" not in compliance
        assert "收到 6 · 已结案 6 · 重开率 0.0% · 重复投诉会员 <5" in compliance
        assert "满意度: 4.6（≥5 个评分）" in compliance  # the scores are withheld, not zero
        states = screen.query_one("#by-state", DataTable)
        assert [str(c) for c in states.get_row("closed")] == ["已结案", "6"]
        assert f"{max(report.weekly.values())}┤" in str(
            screen.query_one("#trend", PlotextPlot).render()
        )
        assert screen.query_one("#panel-trend").border_subtitle == ""  # no week withheld

        # Weeks withheld (fewer than five complaints each) are said to be, not drawn as zeros.
        screen._trend({"2026-02-16": None, "2026-02-23": 7, "2026-03-02": 0})
        assert "少于5件的周不显示" in str(screen.query_one("#panel-trend").border_subtitle)
        desk.app.labels.toggle()
        screen.relabel()
        assert "(≥5 scores)" in str(screen.query_one("#compliance", Static).render())
