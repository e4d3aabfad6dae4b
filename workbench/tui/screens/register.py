"""Registering a new caller during the call: the number they called from is the member's phone
(taken from the call on the server; it is never shown here), the rest is asked for. The
application goes to review like any other; the agent then serves the new member for the call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from workbench.errors import ValidationError
from workbench.permissions.access import MemberView, Purpose
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.work import desk_work
from workbench.usecases.members import StoreChoices

if TYPE_CHECKING:
    from workbench.telephony.desk import CallerApplication

# A field's error message puts the cursor on its input.
FIELD_INPUTS = {
    "name": "#register-name",
    "id_number": "#register-id",
    "email": "#register-email",
    "address": "#register-address",
    "store_code": "#register-store",
}


class RegisterCallerScreen(WorkbenchScreen[None]):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "submit", "Register")]

    def __init__(self, call_id: int) -> None:
        super().__init__()
        self.call_id = call_id

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="register-form"):
            yield Static(Text(labels("register.title")), id="register-title")
            yield Label(labels("register.phone_from_call"))
            yield Input(placeholder=labels("field.name"), id="register-name")
            yield Input(placeholder=labels("field.id_number"), id="register-id")
            yield Input(placeholder=labels("register.email_optional"), id="register-email")
            yield Input(placeholder=labels("register.address_optional"), id="register-address")
            yield Select([], prompt=labels("register.store"), id="register-store")
            yield Static("", id="register-error", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#register-name", Input).focus()
        self.load_stores()

    @desk_work
    def load_stores(self) -> None:
        app = self.app
        choices = app.usecases.members.store_choices(app.touch_session())
        app.call_from_thread(self._show_stores, choices)

    def _show_stores(self, choices: StoreChoices) -> None:
        select_store = self.query_one("#register-store", Select)
        select_store.set_options([(Text(f"{s.code} {s.name}"), s.code) for s in choices.stores])
        if choices.own is not None:  # a branch agent registers for their own store
            select_store.value = choices.own

    def action_submit(self) -> None:
        def value(selector: str) -> str:
            return self.query_one(selector, Input).value.strip()

        store = chosen(self.query_one("#register-store", Select))
        application: CallerApplication = {
            "name": value("#register-name"),
            "id_number": value("#register-id"),
            "email": value("#register-email") or None,
            "address": value("#register-address") or None,
            "store_code": "" if store is None else str(store),
        }
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        self.register(application)

    @desk_work(exclusive=True)
    def register(self, application: CallerApplication) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            if not application["store_code"]:
                raise ValidationError("store_code", app.labels("register.store_needed"))
            member_no = app.calls.register_caller(staff, self.call_id, application)
        except ValidationError as error:  # the form stays open, the field marked
            app.call_from_thread(self._invalid, error)
            return
        view = app.usecases.members.view(staff, member_no, Purpose.SERVICE)
        app.call_from_thread(self._registered, view)

    def _invalid(self, error: ValidationError) -> None:
        show_invalid(self, error, message="#register-error", inputs=FIELD_INPUTS)

    def _registered(self, view: MemberView) -> None:
        from workbench.tui.screens.profile import ProfileScreen

        labels = self.app.labels
        self.notify(labels("register.done", member_no=view.member_no), markup=False)
        self.app.switch_screen(ProfileScreen(view, call_id=self.call_id))

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_back(self) -> None:
        self.app.pop_screen()
