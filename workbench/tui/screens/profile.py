"""The member profile, masked unless revealed. It counts down the access grant and the reveals;
when a reveal ends the field is masked again, and when the grant ends the member's data leaves
the screen at once."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from workbench.errors import WorkbenchError
from workbench.members.profile import MemberProfile, member_profile
from workbench.members.registry import PERSONAL_FIELDS
from workbench.permissions.access import MemberView, Purpose
from workbench.tui.screens.home import time_left


class ProfileScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "reveal", "Reveal"),
        Binding("c", "complaint", "Complaint"),
    ]

    def __init__(self, view: MemberView) -> None:
        super().__init__()
        self.view: MemberView | None = view
        self.profile: MemberProfile | None = None
        self.ended = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="profile-header", markup=False)
        yield Static("", id="access-countdown", markup=False)
        yield DataTable(id="profile-fields", cursor_type="row", show_header=False)
        yield Static("", id="service-data", markup=False)
        yield from self.compose_extra()
        yield Footer()

    def compose_extra(self) -> ComposeResult:
        """Screens built on the profile (the callback workspace) add their widgets here."""
        return
        yield

    def on_mount(self) -> None:
        table = self.query_one("#profile-fields", DataTable)
        table.add_columns("field", "value", "shown until")
        self._render_view()
        self.load_service_data()
        self.set_interval(1, self._tick)

    def relabel(self) -> None:
        self._render_view()
        self._render_service_data()

    # Rendering ----------------------------------------------------------------------------------
    def _render_view(self) -> None:
        labels = self.app.labels
        table = self.query_one("#profile-fields", DataTable)
        table.clear()
        view = self.view
        if view is None:
            self.query_one("#profile-header", Static).update(Text(labels("profile.access_ended")))
            self.query_one("#profile-header", Static).add_class("ended")
            self.query_one("#access-countdown", Static).update("")
            self.query_one("#service-data", Static).update("")
            return
        tier = self.app.wb.scheme.get(view.tier_code).label(labels.language)
        self.query_one("#profile-header", Static).update(
            Text(f"{labels('profile.title')} {view.member_no} · {tier} · {view.status}")
        )
        zone = self.app.wb.settings.timezone
        for name in PERSONAL_FIELDS:
            field = view.fields[name]
            note = Text("")
            if not field.available:
                value = Text(labels("field.unavailable"), style="dim")
            else:
                value = Text(field.value or "-")  # member text is data, never markup
                if field.revealed_until is not None:
                    until = field.revealed_until.astimezone(zone).strftime("%H:%M:%S")
                    note = Text(f"{labels('profile.revealed_until')} {until}", style="yellow")
            table.add_row(Text(labels(f"field.{name}")), value, note, key=name)
        self._tick()

    def _render_service_data(self) -> None:
        profile, labels = self.profile, self.app.labels
        if profile is None or self.view is None:
            return
        zone = self.app.wb.settings.timezone
        lines = [
            f"{labels('profile.store')}: {profile.store_code} {profile.store_name}",
            f"{labels('profile.card')}: {profile.card_no or '-'} ({profile.card_status or '-'})",
            f"{labels('profile.points')}: {profile.points_balance}",
        ]
        if profile.points_expiring:
            by = profile.points_first_expiry.astimezone(zone).strftime("%Y-%m-%d")
            lines.append(f"{labels('profile.expiring')}: {profile.points_expiring} ({by})")
        lines.append(f"{labels('profile.purchases')}: {profile.purchases}")
        self.query_one("#service-data", Static).update(Text("\n".join(lines)))

    # Time ----------------------------------------------------------------------------------------
    def _tick(self) -> None:
        if self.view is None:
            return
        labels, now = self.app.labels, self.app.wb.clock.now()
        countdown = self.query_one("#access-countdown", Static)
        until = self.view.access_until
        if until is not None and now >= until:
            self._access_ended()
            return
        if until is None:
            countdown.update(Text(labels("profile.access_standing")))
        else:
            countdown.update(Text(f"{labels('profile.access_until')} {time_left(until, now)}"))
        if any(f.revealed_until is not None and now >= f.revealed_until
               for f in self.view.fields.values()):  # fmt: skip
            self.reload()

    def _access_ended(self) -> None:
        """The grant is over: drop every copy of the member's data from this screen."""
        self.view = None
        self.profile = None
        self.ended = True
        self._render_view()
        self.on_access_ended()

    def on_access_ended(self) -> None:
        """Hook for screens built on the profile."""

    # Work ----------------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="profile", exit_on_error=False)
    def reload(self) -> None:
        app, view = self.app, self.view
        if view is None:
            return
        try:
            staff = app.touch_session()
            fresh = app.wb.access.view_by_id(staff, view.member_id, Purpose.SERVICE)
        except WorkbenchError as error:
            app.call_from_thread(self._reload_failed, error)
            return
        app.call_from_thread(self._show, fresh)

    def _reload_failed(self, error: Exception) -> None:
        from workbench.permissions.access import AccessDenied

        if isinstance(error, AccessDenied):
            self._access_ended()
        else:
            self.app.report_error(error)

    def _show(self, view: MemberView) -> None:
        if not self.ended:
            self.view = view
            self._render_view()

    @work(thread=True, exclusive=True, group="service", exit_on_error=False)
    def load_service_data(self) -> None:
        app, view = self.app, self.view
        if view is None:
            return
        try:
            profile = member_profile(app.wb, view)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._show_service_data, profile)

    def _show_service_data(self, profile: MemberProfile) -> None:
        if self.view is not None:
            self.profile = profile
            self._render_service_data()

    # Actions -------------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reveal(self) -> None:
        from workbench.tui.screens.reveal import RevealScreen

        if self.view is None:
            return
        table = self.query_one("#profile-fields", DataTable)
        row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        field = row if row in PERSONAL_FIELDS else "phone"
        self.app.push_screen(RevealScreen(field), self._revealed)

    def action_complaint(self) -> None:
        from workbench.tui.screens.complaint_form import ComplaintFormScreen

        if self.view is not None:
            self.app.push_screen(ComplaintFormScreen(self.view.member_no))

    def _revealed(self, request: tuple[str, str] | None) -> None:
        if request is not None and self.view is not None:
            self.reveal(*request)

    @work(thread=True, exclusive=True, group="profile", exit_on_error=False)
    def reveal(self, field: str, reason: str) -> None:
        app, view = self.app, self.view
        try:
            staff = app.touch_session()
            app.wb.access.reveal(staff, view.member_no, field, reason)
            fresh = app.wb.access.view_by_id(staff, view.member_id, Purpose.SERVICE)
        except WorkbenchError as error:
            app.call_from_thread(app.report_error, error)
            return
        app.call_from_thread(self._show, fresh)
