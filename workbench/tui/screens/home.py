"""The home screen: exact search by phone or card number, and my live access grants with the
time each has left."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label

from workbench.errors import WorkbenchError
from workbench.permissions.access import MemberView, Purpose
from workbench.tickets.views import open_complaints, urgency

URGENCY_STYLE = {"ok": "green", "soon": "yellow", "overdue": "bold red", "paused": "dim"}


def time_left(until: datetime, now: datetime) -> str:
    """12:05 (minutes and seconds), 3:12:05, or 4d 03:12 for long spans."""
    seconds = max(0, int((until - now).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}"
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class HomeScreen(Screen):
    BINDINGS = [
        Binding("slash", "focus_search", "Search"),
        Binding("f5", "statistics", "Statistics"),
        Binding("f6", "dashboard", "Dashboard"),
        Binding("ctrl+n", "next_callback", "Next callback"),
        Binding("ctrl+o", "sign_out", "Sign out"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.grants: list[tuple[int, int, str, str, datetime]] = []

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with Horizontal(id="search-bar"):
            yield Input(placeholder=labels("home.search"), id="search-input")
            yield Button(labels("home.search_button"), id="search-button")
        yield Label(labels("home.grants"), id="grants-title")
        yield DataTable(id="grants", cursor_type="row", zebra_stripes=True)
        yield Label(labels("complaint.mine"), id="complaints-title")
        yield DataTable(id="my-complaints", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#grants", DataTable)
        table.add_columns("member", "source", "until", "left")
        self.query_one("#my-complaints", DataTable).add_columns(
            "complaint", "state", "category", "priority", "due"
        )
        self.my_complaints: list = []
        self.query_one("#search-input", Input).focus()
        self.load_grants()
        self.set_interval(1, self._tick)
        self.set_interval(15, self.load_grants)

    def on_screen_resume(self) -> None:
        self.load_grants()

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#search-input", Input).placeholder = labels("home.search")
        self.query_one("#search-button", Button).label = labels("home.search_button")
        self.query_one("#grants-title", Label).update(labels("home.grants"))

    # Search -------------------------------------------------------------------------------------
    def action_focus_search(self) -> None:
        self.query_one("#search-input", Input).focus()

    @on(Input.Submitted, "#search-input")
    @on(Button.Pressed, "#search-button")
    def _search(self) -> None:
        text = self.query_one("#search-input", Input).value.strip()
        if text:
            self.search(text)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, text: str) -> None:
        app, access = self.app, self.app.wb.access
        try:
            staff = app.touch_session()
            digits = text.replace(" ", "").replace("-", "")
            if digits.startswith("+") or len(digits) == 11:
                view = access.lookup_by_phone(staff, digits, Purpose.SERVICE)
            else:
                view = access.lookup_by_card(staff, digits, Purpose.SERVICE)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._found, view)

    def _found(self, view: MemberView | None) -> None:
        from workbench.tui.screens.profile import ProfileScreen

        if view is None:
            self.notify(self.app.labels("home.not_found"), severity="warning", markup=False)
            return
        self.query_one("#search-input", Input).value = ""
        self.app.push_screen(ProfileScreen(view))
        self.load_grants()

    # Grants -------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="grants", exit_on_error=False)
    def load_grants(self) -> None:
        app = self.app
        if app.signed_in is None:
            return
        try:
            grants = app.wb.access.live_grants_overview(app.staff.id)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        with app.wb.sessions() as session:
            mine = open_complaints(session, handler_id=app.staff.id)
        app.call_from_thread(self._show_grants, grants)
        app.call_from_thread(self._show_complaints, mine)

    def _show_grants(self, grants) -> None:
        self.grants = [(g.id, g.member_id, member_no, str(g.source), g.ends_at)
                       for g, member_no in grants]  # fmt: skip
        self._tick()

    def _show_complaints(self, complaints) -> None:
        self.my_complaints = complaints
        self._tick()

    def _tick(self) -> None:
        now = self.app.wb.clock.now()
        zone = self.app.wb.settings.timezone
        table = self.query_one("#grants", DataTable)
        live = [g for g in self.grants if g[4] > now]
        table.clear()
        for grant_id, member_id, member_no, source, ends_at in live:
            table.add_row(
                Text(member_no), Text(source),
                Text(ends_at.astimezone(zone).strftime("%H:%M:%S")), Text(time_left(ends_at, now)),
                key=f"{grant_id}:{member_id}",
            )  # fmt: skip
        self._tick_complaints(now, zone)

    def _tick_complaints(self, now, zone) -> None:
        policy = self.app.wb.complaint_policy
        table = self.query_one("#my-complaints", DataTable)
        table.clear()
        for c in self.my_complaints:
            target = policy.targets_for(c.priority, c.category).resolution.total_seconds() / 3600
            level = urgency(c.resolution_due, now, target)
            due = "-" if c.resolution_due is None else time_left(c.resolution_due, now)
            table.add_row(Text(c.complaint_no), Text(c.state), Text(c.category),
                          Text(c.priority), Text(due, style=URGENCY_STYLE[level]),
                          key=c.complaint_no)  # fmt: skip

    @on(DataTable.RowSelected, "#my-complaints")
    def _open_complaint(self, event: DataTable.RowSelected) -> None:
        from workbench.tui.screens.complaint import ComplaintScreen

        self.app.push_screen(ComplaintScreen(str(event.row_key.value)))

    @on(DataTable.RowSelected, "#grants")
    def _open_grant(self, event: DataTable.RowSelected) -> None:
        member_id = int(str(event.row_key.value).split(":")[1])
        self.open_member(member_id)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def open_member(self, member_id: int) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            view = app.wb.access.view_by_id(staff, member_id, Purpose.CALLBACK)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._found, view)

    # Other actions ------------------------------------------------------------------------------
    def action_statistics(self) -> None:
        from workbench.tui.screens.statistics import StatisticsScreen

        self.app.push_screen(StatisticsScreen())

    def action_next_callback(self) -> None:
        self.claim_callback()

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def claim_callback(self) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            claim = app.wb.callbacks.claim_next(staff)
            view = None
            if claim is not None:
                view = app.wb.access.view_by_id(staff, claim.member_id, Purpose.CALLBACK)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._claimed, claim, view)

    def _claimed(self, claim, view) -> None:
        from workbench.tui.screens.callback import CallbackScreen

        if claim is None:
            self.notify(self.app.labels("callback.none"), markup=False)
            return
        self.app.push_screen(CallbackScreen(view, claim))
        self.load_grants()

    def action_dashboard(self) -> None:
        from workbench.tui.screens.dashboard import DashboardScreen

        self.app.push_screen(DashboardScreen())

    def action_sign_out(self) -> None:
        self.app.end_session()
