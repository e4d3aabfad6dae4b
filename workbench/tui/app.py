"""The Textual application: holds the services, the signed-in staff member and the labels.

Screens call the domain services from thread workers (they block on the database) and post the
results back; service errors are shown as notifications with the service's message.
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from workbench.bootstrap import Workbench
from workbench.members.models import Role, Staff
from workbench.permissions.auth import SessionExpired, SignedIn
from workbench.tui.labels import Labels


class WorkbenchApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "workbench"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+l", "toggle_language", "中/EN"),
    ]

    def __init__(self, wb: Workbench, *, sign_in_hint: str | None = None) -> None:
        super().__init__()
        self.wb = wb
        self.sign_in_hint = sign_in_hint  # e.g. the demo logins
        self.labels = Labels(wb.settings.locale_language)
        self.signed_in: SignedIn | None = None

    @property
    def staff(self) -> Staff:
        assert self.signed_in is not None, "no one is signed in"
        return self.signed_in.staff

    def on_mount(self) -> None:
        from workbench.tui.screens.sign_in import SignInScreen

        self.title = self.labels("app.title")
        self.push_screen(SignInScreen())

    # Session ------------------------------------------------------------------------------------
    def start_session(self, signed_in: SignedIn) -> None:
        from workbench.tui.screens.home import HomeScreen
        from workbench.tui.screens.statistics import StatisticsScreen

        self.signed_in = signed_in
        self.sub_title = f"{signed_in.staff.display_name} · {signed_in.staff.role}"
        if signed_in.staff.role == Role.ANALYST:
            self.switch_screen(StatisticsScreen())
        else:
            self.switch_screen(HomeScreen())

    def touch_session(self) -> Staff:
        """Called from workers before each service call: ends an idle session."""
        if self.signed_in is None:
            raise SessionExpired(self.labels("sign_in.expired"))
        with self.wb.sessions() as session:
            return self.wb.auth.resume(session, self.signed_in.token)

    def end_session(self, message: str | None = None) -> None:
        from workbench.tui.screens.sign_in import SignInScreen

        if self.signed_in is not None:
            with self.wb.sessions() as session:
                self.wb.auth.sign_out(session, self.signed_in.token)
        self.signed_in = None
        self.sub_title = ""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(SignInScreen())
        if message:
            self.notify(message, severity="warning", markup=False)

    def report_error(self, error: Exception) -> None:
        """Show a service's message; an expired session sends the user back to sign in."""
        if isinstance(error, SessionExpired):
            self.end_session(str(error))
        else:
            self.notify(str(error), severity="error", markup=False)

    # Actions --------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_toggle_language(self) -> None:
        self.labels.toggle()
        self.title = self.labels("app.title")
        refresh = getattr(self.screen, "relabel", None)
        if refresh is not None:
            refresh()
