"""Sign-in: username and password, the terminal credential of this workstation if it has one."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Static

from workbench.errors import WorkbenchError
from workbench.permissions.auth import TerminalCredential
from workbench.tui.widgets.footer import TranslatedFooter


class SignInScreen(Screen):
    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with Vertical(id="sign-in-form"):
            yield Label(labels("sign_in.title"), id="sign-in-title")
            yield Input(placeholder=labels("sign_in.username"), id="username")
            yield Input(placeholder=labels("sign_in.password"), password=True, id="password")
            yield Button(labels("sign_in.submit"), variant="primary", id="submit")
            yield Static("", id="sign-in-error", markup=False)
            if self.app.sign_in_hint:
                yield Static(self.app.sign_in_hint, id="sign-in-hint", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#sign-in-title", Label).update(labels("sign_in.title"))
        self.query_one("#username", Input).placeholder = labels("sign_in.username")
        self.query_one("#password", Input).placeholder = labels("sign_in.password")
        self.query_one("#submit", Button).label = labels("sign_in.submit")

    @on(Input.Submitted, "#username")
    def _next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        username = self.query_one("#username", Input).value
        password = self.query_one("#password", Input).value
        self.query_one("#sign-in-error", Static).update("")
        self.sign_in(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def sign_in(self, username: str, password: str) -> None:
        wb = self.app.wb
        try:
            terminal = TerminalCredential.load(wb.settings.effective_terminal_file)
            with wb.sessions() as session:
                signed_in = wb.auth.sign_in(
                    session, username=username, password=password, terminal=terminal
                )
        except WorkbenchError as error:
            self.app.call_from_thread(self._show_error, str(error))
            return
        self.app.call_from_thread(self.app.start_session, signed_in)

    def _show_error(self, message: str) -> None:
        self.query_one("#sign-in-error", Static).update(Text(message))  # may quote what was typed
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
