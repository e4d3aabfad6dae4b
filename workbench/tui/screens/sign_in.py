"""Sign-in: username and password, the terminal credential of this workstation if it has one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Header, Input, Label, Static

from workbench.errors import WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.work import desk_work


class SignInScreen(WorkbenchScreen[None]):
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
                yield Static(self._hint(), id="sign-in-hint", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        # Not query_one: the idle lock may push this screen as the app closes, its fields gone.
        for field in self.query("#username").results(Input):
            field.focus()

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#sign-in-title", Label).update(labels("sign_in.title"))
        self.query_one("#username", Input).placeholder = labels("sign_in.username")
        self.query_one("#password", Input).placeholder = labels("sign_in.password")
        self.query_one("#submit", Button).label = labels("sign_in.submit")
        if self.app.sign_in_hint:
            self.query_one("#sign-in-hint", Static).update(self._hint())

    def _hint(self) -> str:
        key, values = self.app.sign_in_hint or ("", {})
        return self.app.labels(key, **values)

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

    @desk_work(exclusive=True)
    def sign_in(self, username: str, password: str) -> None:
        try:
            signed_in = self.app.usecases.sign_in.sign_in(username, password)
        except WorkbenchError as error:  # the form stays open and says why
            self.app.call_from_thread(self._show_error, self.app.labels.error(error))
            return
        self.app.call_from_thread(self.app.start_session, signed_in)

    def _show_error(self, message: str) -> None:
        self.query_one("#sign-in-error", Static).update(Text(message))  # may quote what was typed
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
