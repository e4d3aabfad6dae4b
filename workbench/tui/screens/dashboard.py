"""The supervisor dashboard: complaints by state, breaches and escalations (drill in with Enter),
SLA compliance and satisfaction over the last 90 days, and the weekly trend."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Sparkline, Static

from workbench.errors import WorkbenchError
from workbench.tickets.views import counts_by_state, open_complaints

PERIOD = timedelta(days=90)


class DashboardScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        yield Static(Text(labels("dashboard.title")), id="dashboard-title")
        with Horizontal(id="dashboard-top"):
            with Vertical():
                yield Label(labels("dashboard.by_state"))
                yield DataTable(id="by-state", show_cursor=False)
            with Vertical():
                yield Label(labels("dashboard.compliance"))
                yield Static("", id="compliance", markup=False)
        yield Label(labels("dashboard.trend"))
        yield Sparkline([], id="trend")
        yield Label(labels("dashboard.breached"))
        yield DataTable(id="breached", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#by-state", DataTable).add_columns("state", "n")
        self.query_one("#breached", DataTable).add_columns(
            "complaint", "state", "category", "priority", "level", "due"
        )
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            now = app.wb.clock.now()
            report = app.wb.complaint_reports.report(staff, start=now - PERIOD, end=now)
            with app.wb.sessions() as session:
                states = counts_by_state(session)
                breached = open_complaints(session, min_escalation=2)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._show, report, states, breached)

    def _show(self, report, states, breached) -> None:
        self.report = report
        table = self.query_one("#by-state", DataTable)
        table.clear()
        for state, n in sorted(states.items()):
            table.add_row(Text(state), Text(str(n)))
        labels = self.app.labels
        lines = [
            f"{labels('dashboard.compliance')}: first response "
            f"{_pct(report.first_response_on_time_pct)}, resolution "
            f"{_pct(report.resolution_on_time_pct)}",
            f"{labels('dashboard.satisfaction')}: {report.satisfaction_average or '-'} "
            f"({sum(n or 0 for n in report.satisfaction_scores.values())} scores)",
            f"received {report.total}, closed {report.closed}, reopen rate "
            f"{_pct(report.reopen_rate_pct)}, repeat complainers {report.repeat_complainers}",
            f"resolution hours: median {report.resolution_hours_median or '-'}, "
            f"p90 {report.resolution_hours_p90 or '-'}",
        ]
        self.query_one("#compliance", Static).update(Text("\n".join(lines)))
        self.query_one("#trend", Sparkline).data = [n or 0 for n in report.weekly.values()]
        zone = self.app.wb.settings.timezone
        rows = self.query_one("#breached", DataTable)
        rows.clear()
        for c in breached:
            due = (
                c.resolution_due.astimezone(zone).strftime("%m-%d %H:%M")
                if c.resolution_due
                else "-"
            )
            rows.add_row(Text(c.complaint_no), Text(c.state), Text(c.category), Text(c.priority),
                         Text(str(c.escalation_level)), Text(due, style="red"),
                         key=c.complaint_no)  # fmt: skip

    @on(DataTable.RowSelected, "#breached")
    def _drill(self, event: DataTable.RowSelected) -> None:
        from workbench.tui.screens.complaint import ComplaintScreen

        self.app.push_screen(ComplaintScreen(str(event.row_key.value)))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def action_sign_out(self) -> None:
        self.app.end_session()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value}%"
