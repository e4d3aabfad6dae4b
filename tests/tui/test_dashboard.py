"""The supervisor dashboard with a Pilot: every number on it is read off the screen and compared
with the services (complaint analysis, states, campaign progress, agents' KPIs), at a small and
a large terminal."""

import re
from datetime import date

from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from tests.statistics_data import populate
from tests.tui.harness import running
from workbench.complaints.queries import counts_by_state
from workbench.statistics.period import Period
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.dashboard import DASHBOARD_AGENT_FIELDS, PERIOD, DashboardScreen


def _rows(table: DataTable) -> dict[str, list[str]]:
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}


def _text(value) -> str:
    return "-" if value is None else str(value)


async def _open_dashboard(wb, world, clock, size):
    populate(wb, world)
    campaign = wb.campaigns.create(
        world.staff["supervisor"],
        name="银卡关怀",
        segment={"tier": "silver"},
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 3, 31),
        daily_capacity=3,
    )
    wb.campaigns.materialise(campaign.id)
    clock.advance(hours=1)  # what happened at the start is inside [now - 90 days, now)
    app = WorkbenchApp(wb)
    return app, campaign


async def test_the_dashboard_shows_the_services_figures(wb, tui_world, clock):
    app, campaign = await _open_dashboard(wb, tui_world, clock, (200, 50))
    async with running(app, size=(200, 50)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("f6")
        screen = await desk.shown(DashboardScreen)
        await desk.done("load")
        assert isinstance(screen, DashboardScreen)
        assert screen.has_class("-very-wide") and screen.has_class("-tall")
        supervisor, now = tui_world.staff["supervisor"], clock.now()
        report = wb.complaint_reports.report(supervisor, start=now - PERIOD, end=now)

        with wb.sessions() as session:
            states = counts_by_state(session)
        on_screen = _rows(screen.query_one("#by-state", DataTable))
        assert {k: int(v[1]) for k, v in on_screen.items()} == states == {"closed": 6}

        lines = str(screen.query_one("#compliance", Static).render()).splitlines()
        numbers = [
            re.findall(r"\d+(?:\.\d+)?|-(?=\s|$|%)", line.replace("P90", "").replace("p90", ""))
            for line in lines
        ]
        scored = sum(report.satisfaction_scores.values())
        assert numbers[0] == [
            str(report.total),
            str(report.closed),
            _text(report.reopen_rate_pct),
            str(report.repeat_complainers),
        ]
        assert numbers[1] == [
            _text(report.first_response_on_time_pct),
            _text(report.resolution_on_time_pct),
        ]
        assert numbers[2] == [str(report.satisfaction_average), str(scored)] == ["4.6", "5"]
        assert numbers[3] == [
            _text(report.resolution_hours_median),
            _text(report.resolution_hours_p90),
        ]

        plot = str(screen.query_one("#trend", PlotextPlot).render())
        weeks = list(report.weekly)
        assert date.fromisoformat(weeks[0]).strftime("%m-%d") in plot
        assert f"{max(report.weekly.values())}┤" in plot  # the top of the count axis

        progress = wb.campaigns.progress(campaign.id)
        row = _rows(screen.query_one("#campaigns", DataTable))[str(campaign.id)]
        assert progress.status == "active"
        assert row == [
            progress.name,
            "进行中",  # the status in the desk's language, not its code
            str(progress.tasks),
            str(progress.open),
            str(progress.done),
            _text(progress.reached_rate_pct),
            f"{progress.made_today}/{progress.daily_capacity}",
        ]
        assert progress.tasks == 3

        kpis = wb.statistics.kpis(supervisor, Period(now - PERIOD, now))
        agents = _rows(screen.query_one("#agents", DataTable))
        assert list(agents) == [a.username for a in kpis.agents] == ["agent"]
        assert agents["agent"][1:] == [
            _text(getattr(kpis.agents[0], f)) for f in DASHBOARD_AGENT_FIELDS
        ]
        assert agents["agent"][1:] == ["4", "50.0", "3", "5", "4.6"]
        title = str(screen.query_one("#dashboard-title", Static).render())
        assert "近90天：2025-12-02 至 2026-03-02" in title


async def test_the_dashboard_at_80_by_24_scrolls_to_every_panel(wb, tui_world, clock):
    app, _ = await _open_dashboard(wb, tui_world, clock, (80, 24))
    async with running(app, size=(80, 24)) as desk:
        pilot = desk.pilot
        await desk.sign_in("supervisor")
        await desk.press("f6")
        screen = await desk.shown(DashboardScreen)
        await desk.done("load")
        assert screen.has_class("-narrow") and screen.has_class("-short")
        body = screen.query_one("#dashboard-body")
        assert body.max_scroll_y > 0  # one column: the panels below are reached by scrolling
        agents = screen.query_one("#agents", DataTable)
        for _ in range(8):
            if agents.has_focus:
                break
            await pilot.press("tab")
        assert agents.has_focus
        await pilot.pause()
        assert body.scroll_offset.y > 0 and agents.region.bottom <= screen.size.height
        assert agents.row_count == 1
        await desk.press("ctrl+l")
        await pilot.pause()
        assert screen.query_one("#panel-agents").border_title == "Agents' KPIs"
        assert "last 90 days" in str(screen.query_one("#dashboard-title", Static).render())
        assert [str(c.label) for c in agents.columns.values()][:2] == ["Staff", "Calls"]
