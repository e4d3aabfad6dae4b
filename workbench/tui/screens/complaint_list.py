"""Every open complaint, most urgent first, with the time left to resolve each (supervisors and
department heads). Enter opens one. Up to 10,000 rows: the table redraws only what is in view."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from workbench.errors import PermissionDenied, WorkbenchError
from workbench.members.models import Role
from workbench.tickets.views import open_complaints
from workbench.tui.widgets.complaint_table import ComplaintTable
from workbench.tui.widgets.footer import TranslatedFooter

LIST_ROLES = (Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.ADMIN)
MOST = 10_000


class ComplaintListScreen(Screen):
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

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            if staff.role not in LIST_ROLES:
                raise PermissionDenied(f"{staff.username} ({staff.role}) cannot list complaints")
            with app.wb.sessions() as session:
                complaints = open_complaints(session, limit=MOST)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._show, complaints)

    def _show(self, complaints) -> None:
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
