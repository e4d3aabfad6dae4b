"""Member statistics: aggregates only, groups smaller than the minimum hidden."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.errors import WorkbenchError
from workbench.members.models import Role


class StatisticsScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="stats-title", markup=False)
        yield DataTable(id="member-counts", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.relabel()
        self.action_reload()

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#stats-title", Static).update(Text(labels("stats.title")))
        table = self.query_one("#member-counts", DataTable)
        table.clear(columns=True)
        table.add_columns(labels("stats.store"), labels("stats.tier"), labels("stats.count"))
        self.action_reload()

    def action_reload(self) -> None:
        self.load_counts()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_counts(self) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            rows = app.wb.sharing.member_counts(staff)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._show, rows)

    def _show(self, rows) -> None:
        labels, scheme = self.app.labels, self.app.wb.scheme
        minimum = self.app.wb.settings.protection_min_group_size
        table = self.query_one("#member-counts", DataTable)
        table.clear()
        for row in rows:
            store, tier = row.group
            count = (
                str(row.count) if row.count is not None else labels("stats.suppressed", n=minimum)
            )
            table.add_row(Text(store), Text(scheme.get(tier).label(labels.language)), Text(count))

    def action_back(self) -> None:
        if self.app.staff.role == Role.ANALYST:
            return  # their home screen
        self.app.pop_screen()

    def action_sign_out(self) -> None:
        self.app.end_session()
