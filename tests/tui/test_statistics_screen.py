"""The statistics screen with a Pilot: the numbers on the screen are the service's, tabs and
periods by key, both languages; an agent sees their own KPIs only, sales see the refusal."""

from textual.widgets import DataTable, Static, TabbedContent

from tests.statistics_data import populate
from tests.tui.harness import running
from workbench.statistics.figures import AGENT_FIELDS, BRANCH_FIELDS, MEMBER_SECTIONS
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.statistics import StatisticsScreen


def _on_screen(table: DataTable) -> dict[str, list[str]]:
    """Every row of a table as the text shown, by row key."""
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}


def _shown(value, why: str | None = None) -> str:
    """<5 only for a group under 5; a complement (or a small group's sum) says hidden."""
    if value is None:
        return "-" if why is None else "<5" if why == "small" else "已隐藏"
    return str(value)


async def test_an_analyst_reads_the_services_figures_off_the_screen(wb, tui_world):
    populate(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 36)) as desk:
        app, pilot = desk.app, desk.pilot
        await desk.sign_in("analyst")  # their first screen, loaded
        screen = app.screen
        assert isinstance(screen, StatisticsScreen)
        analyst = tui_world.staff["analyst"]
        period = wb.statistics.period()
        stats = wb.statistics.members(analyst, period)
        for section, names in MEMBER_SECTIONS.items():
            columns = names or tuple(f"tier:{t}" for t in stats.tiers)
            rows = _on_screen(screen.query_one(f"#stats-{section}", DataTable))
            for row in (*stats.stores, stats.total):
                values = {**vars(row), **{f"tier:{t}": n for t, n in row.tiers.items()}}
                assert rows[row.store][1:] == [
                    _shown(values[c], row.hidden.get(c)) for c in columns
                ]
        assert _on_screen(screen.query_one("#stats-members", DataTable))["*"][0] == "全部门店"
        kpis = wb.statistics.kpis(analyst, period)
        agents = _on_screen(screen.query_one("#stats-agents", DataTable))
        assert agents["agent"][2:] == [_shown(getattr(kpis.agents[0], f)) for f in AGENT_FIELDS]
        branches = _on_screen(screen.query_one("#stats-branches", DataTable))
        for b in (*kpis.branches, kpis.total):
            assert branches[b.store][1:] == [
                _shown(getattr(b, f), b.hidden.get(f)) for f in BRANCH_FIELDS
            ]
        title = str(screen.query_one("#stats-title", Static).render())
        assert "近12个月：2025-03-03 至 2026-03-02" in title

        # Tabs by key, and the period: 24 months, then 6.
        tabs = screen.query_one(TabbedContent)
        await pilot.press("right_square_bracket")
        assert tabs.active == "tab-tiers"
        await pilot.press("7")
        assert tabs.active == "tab-branches"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert tabs.active == "tab-retention"
        await desk.press("p")
        await desk.done("load")
        assert screen.members.start == wb.statistics.period(months=24).start
        assert "近24个月" in str(screen.query_one("#stats-title", Static).render())

        await desk.press("ctrl+l")
        await pilot.pause()
        table = screen.query_one("#stats-members", DataTable)
        assert [str(c.label) for c in table.columns.values()][:3] == ["Store", "Members", "Joined"]
        assert tabs.get_tab("tab-branches").label.plain == "Branches"
        assert "last 24 months" in str(screen.query_one("#stats-title", Static).render())


async def test_an_agent_sees_only_their_own_kpis(wb, tui_world):
    populate(wb, tui_world)
    async with running(WorkbenchApp(wb)) as desk:
        app, pilot = desk.app, desk.pilot
        await desk.sign_in("agent")
        await desk.press("f5")
        screen = await desk.shown(StatisticsScreen)
        await desk.done("load")
        assert isinstance(screen, StatisticsScreen)
        tabs = screen.query_one(TabbedContent)
        assert tabs.active == "tab-agents"
        shown = [t.id for t in tabs.query("ContentTab") if t.display]
        assert shown == ["--content-tab-tab-agents"]
        (agent,) = wb.statistics.kpis(tui_world.staff["agent"], wb.statistics.period()).agents
        rows = _on_screen(screen.query_one("#stats-agents", DataTable))
        assert list(rows) == ["agent"]
        assert rows["agent"][2:] == [_shown(getattr(agent, f)) for f in AGENT_FIELDS]
        assert screen.query_one("#stats-members", DataTable).row_count == 0
        await pilot.press("1")  # the members tab is not there for an agent
        assert tabs.active == "tab-agents"
        await pilot.press("escape")
        assert not isinstance(app.screen, StatisticsScreen)


async def test_sales_see_why_there_are_no_statistics(wb, tui_world):
    async with running(WorkbenchApp(wb)) as desk:
        app = desk.app
        await desk.sign_in("sales_own")
        await desk.press("f5")
        await desk.shown(StatisticsScreen)
        assert (await desk.done("load")).failed
        title = str(app.screen.query_one("#stats-title", Static).render())
        assert title == "您的角色不能执行此操作"  # sales may not read statistics
