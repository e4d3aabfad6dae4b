"""Every open complaint, most urgent first, with the time left to resolve each (supervisors and
department heads). Enter opens one. Up to 10,000 rows: the table redraws only what is in view."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from workbench.complaints.queries import OpenComplaint
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.complaint_table import ComplaintTable
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.work import desk_work


class ComplaintListScreen(WorkbenchScreen[None]):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("f5", "reload", "Reload")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="complaint-list-title", markup=False)
        yield ComplaintTable(id="all-complaints")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(1, self._tick)
        self.set_interval(30, self.action_reload)

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True)
    def load(self) -> None:
        app = self.app
        complaints = app.usecases.complaints.open_list(app.touch_session())
        app.call_from_thread(self._show, complaints)

    def _show(self, complaints: list[OpenComplaint]) -> None:
        title = self.app.labels("complaint.all", n=len(complaints))
        self.query_one("#complaint-list-title", Static).update(Text(title))
        self.query_one(ComplaintTable).show(complaints, self.app.wb.clock.now())

    def _tick(self) -> None:
        self.query_one(ComplaintTable).tick(self.app.wb.clock.now())

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        from workbench.tui.screens.complaint import ComplaintScreen

        self.app.push_screen(ComplaintScreen(str(event.row_key.value)))

    def action_back(self) -> None:
        self.app.pop_screen()
