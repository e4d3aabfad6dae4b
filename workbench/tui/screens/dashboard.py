"""The supervisor dashboard over the last 90 days: complaints by state, SLA compliance and
satisfaction, the weekly complaint trend (a plotext chart), breaches and escalations (Enter
drills into one), campaign progress and agents' KPIs.

One column that scrolls on a small terminal; two or three columns filling the screen on a
large one (the screen's breakpoint classes choose, see app.tcss)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Static
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from workbench.complaints.analytics import ComplaintReport
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.dashboard import Dashboard

PERIOD = timedelta(days=90)
# The agents' figures a supervisor watches, in the dashboard's narrow table.
DASHBOARD_AGENT_FIELDS = (
    "calls",
    "reach_rate_pct",
    "callbacks_done",
    "complaints_resolved",
    "satisfaction_average",
)
PANELS = {  # panel id -> its title's label
    "panel-states": "dashboard.by_state",
    "panel-compliance": "dashboard.compliance",
    "panel-trend": "dashboard.trend",
    "panel-breached": "dashboard.breached",
    "panel-campaigns": "dashboard.campaigns",
    "panel-agents": "dashboard.agents",
}


COLUMNS = {  # each table's column labels
    "#by-state": ("dashboard.state", "dashboard.count"),
    "#breached": (
        "column.complaint",
        "complaint.state",
        "column.category",
        "column.priority",
        "column.level",
        "column.due",
    ),
    "#campaigns": (
        "column.campaign",
        "column.status",
        "column.tasks",
        "column.open",
        "column.done",
        "stats.col.reach_rate_pct",
        "column.today",
    ),
    "#agents": ("stats.agent", *[f"stats.col.{f}" for f in DASHBOARD_AGENT_FIELDS]),
}


class DashboardScreen(WorkbenchScreen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide"), (180, "-very-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("f2", "campaigns", "Campaigns"),  # the campaigns screen: list, create, run
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="dashboard-title")
        with VerticalScroll(id="dashboard-body"), Grid(id="dashboard-grid"):
            with Vertical(id="panel-states", classes="panel"):
                yield DataTable(id="by-state", show_cursor=False)
            with Vertical(id="panel-compliance", classes="panel"):
                yield Static("", id="compliance")
            with Vertical(id="panel-trend", classes="panel"):
                yield PlotextPlot(id="trend")
            with Vertical(id="panel-breached", classes="panel"):
                yield DataTable(id="breached", cursor_type="row", zebra_stripes=True)
            with Vertical(id="panel-campaigns", classes="panel"):
                yield DataTable(id="campaigns", cursor_type="row", zebra_stripes=True)
            with Vertical(id="panel-agents", classes="panel"):
                yield DataTable(id="agents", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.shown: Dashboard | None = None  # the last load's, to relabel without a reload
        self.relabel()
        self.action_reload()

    def relabel(self) -> None:
        labels = self.app.labels
        for panel, key in PANELS.items():
            self.query_one(f"#{panel}").border_title = Text(labels(key))
        for selector in COLUMNS:
            self._fill(selector, [])
        if self.shown is not None:
            self._show(self.shown)

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True)
    def load(self) -> None:
        app = self.app
        board = app.usecases.dashboard.supervisor(app.touch_session(), period=PERIOD)
        if not get_current_worker().is_cancelled:
            app.call_from_thread(self._show, board)

    def _show(self, board: Dashboard) -> None:
        self.shown = board
        report, kpis, campaigns = board.report, board.kpis, board.campaigns
        states, breached = board.states, board.breached
        self.report, self.kpis, self.campaigns = report, kpis, campaigns
        labels = self.app.labels
        zone = self.app.wb.settings.timezone
        first, last = board.period.days(zone)
        self.query_one("#dashboard-title", Static).update(
            Text(
                f"{labels('dashboard.title')} · "
                f"{labels('dashboard.period', days=PERIOD.days, first=first, last=last)}"
            )
        )
        self._fill(
            "#by-state",
            [
                (
                    state,
                    [
                        Text(labels.value("complaint_state", state)),
                        Text(self._count(n), justify="right"),
                    ],
                )
                for state, n in sorted(states.items())
            ],
        )
        self.query_one("#compliance", Static).update(Text("\n".join(self._compliance(report))))
        self._trend(report.weekly)
        categories = self.app.wb.complaint_policy.categories

        def category(code: str) -> str:
            known = categories.get(code)
            return known.label(labels.language) if known is not None else code

        rows = []
        for c in breached:
            due = (
                c.resolution_due.astimezone(zone).strftime("%m-%d %H:%M")
                if c.resolution_due
                else "-"
            )
            rows.append(
                (
                    c.complaint_no,
                    [
                        Text(c.complaint_no),
                        Text(labels.value("complaint_state", c.state)),
                        Text(category(c.category)),
                        Text(labels.value("priority", c.priority)),
                        _number(c.escalation_level),
                        Text(due, style="red"),
                    ],
                )
            )
        self._fill("#breached", rows)
        self.query_one("#panel-campaigns").border_subtitle = (
            "" if campaigns else Text(labels("dashboard.no_campaigns"))
        )
        self._fill(
            "#campaigns",
            [
                (
                    str(p.campaign_id),
                    [
                        Text(p.name),
                        Text(labels.value("campaign_status", p.status)),
                        _number(p.tasks),
                        _number(p.open),
                        _number(p.done),
                        _number(p.reached_rate_pct),
                        _number(f"{p.made_today}/{p.daily_capacity}"),
                    ],
                )
                for p in campaigns
            ],
        )
        self._fill(
            "#agents",
            [
                (
                    a.username,
                    [Text(a.username), *[_number(getattr(a, f)) for f in DASHBOARD_AGENT_FIELDS]],
                )
                for a in kpis.agents
            ],
        )

    def _fill(self, selector: str, rows: list[tuple[str, list[Text]]]) -> None:
        labels = self.app.labels
        fill_table(
            self.query_one(selector, DataTable), [Text(labels(k)) for k in COLUMNS[selector]], rows
        )

    def _compliance(self, report: ComplaintReport) -> list[str]:
        labels = self.app.labels
        return [
            labels(
                "dashboard.received",
                total=self._count(report.total),
                closed=self._count(report.closed),
                reopen=_pct(report.reopen_rate_pct),
                repeat=self._count(report.repeat_complainers),
            ),
            f"{labels('dashboard.compliance')}: "
            + labels(
                "dashboard.on_time",
                first=_pct(report.first_response_on_time_pct),
                resolution=_pct(report.resolution_on_time_pct),
            ),
            f"{labels('dashboard.satisfaction')}: "
            + labels(
                "dashboard.scores",
                average=_dash(report.satisfaction_average),
                n=self._scored(report),
            ),
            labels(
                "dashboard.hours",
                median=_dash(report.resolution_hours_median),
                p90=_dash(report.resolution_hours_p90),
            ),
        ]

    def _count(self, value: int | None) -> str:
        """A count withheld as a small group (store managers, analysts) reads "<5"."""
        return f"<{self.app.wb.settings.protection_min_group_size}" if value is None else str(value)

    def _scored(self, report: ComplaintReport) -> str:
        """How many scores: their sum, or, with some withheld, what is known of it (an average
        is shown only over at least the minimum group's scores)."""
        scores = report.satisfaction_scores.values()
        if None not in scores:
            return str(sum(n or 0 for n in scores))
        minimum = self.app.wb.settings.protection_min_group_size
        return f"≥{minimum}" if report.satisfaction_average is not None else f"<{minimum}"

    def _trend(self, weekly: Mapping[str, int | None]) -> None:
        """Complaints per week as bars, labelled by the week's Monday. A week withheld as a small
        group has no bar, and the panel says so: an empty week is not a zero week."""
        hidden = None in weekly.values()
        self.query_one("#panel-trend").border_subtitle = (
            Text(
                self.app.labels(
                    "dashboard_figures.weeks_hidden",
                    n=self.app.wb.settings.protection_min_group_size,
                )
            )
            if hidden
            else ""
        )
        plot = self.query_one("#trend", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        weeks = [date.fromisoformat(w).strftime("%m-%d") for w in weekly]
        counts = [n or 0 for n in weekly.values()]
        if weeks:
            plt.bar(weeks, counts, marker="hd")
            step = max(1, len(weeks) // 6)  # at most about six dates along the axis
            positions: list[float] = list(range(1, len(weeks) + 1, step))
            plt.xticks(positions, weeks[::step])
            rise = max(1, -(-max(counts) // 4))  # whole complaints on the count axis
            plt.yticks(list(range(0, max(counts) + rise, rise)))
        plot.refresh()

    @on(DataTable.RowSelected, "#breached")
    def _drill(self, event: DataTable.RowSelected) -> None:
        from workbench.tui.screens.complaint import ComplaintScreen

        self.app.push_screen(ComplaintScreen(str(event.row_key.value)))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_campaigns(self) -> None:
        from workbench.tui.screens.campaigns import CampaignsScreen

        self.app.push_screen(CampaignsScreen())

    def action_sign_out(self) -> None:
        self.app.end_session()


def _number(value: object) -> Text:
    return Text("-" if value is None else str(value), justify="right")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value}%"


def _dash(value: object) -> str:
    return "-" if value is None else str(value)
