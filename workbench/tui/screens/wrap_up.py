"""The wrap-up dialog, opened when the agent's call ends: a disposition and a required note,
and the time spent against the wrap-up limit (past it, the state log reports an overrun). A
refusal keeps the dialog open with what was typed; Later closes it, and the call bar's F12 (or
the home screen's state key) opens it again: the agent stays in wrap-up until it is submitted."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workbench.errors import ValidationError
from workbench.tui.base import WorkbenchModal
from workbench.tui.widgets.form import show_invalid
from workbench.tui.work import desk_work
from workbench.usecases.calls import AgentStateView

INPUTS = {"disposition": "#wrap-up-disposition", "note": "#wrap-up-note"}


class WrapUpScreen(WorkbenchModal[AgentStateView | None]):
    """Dismissed with the agent's state after the wrap-up, or None for Later."""

    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit"),
        Binding("escape", "later", "Later"),
    ]

    def __init__(self, call_id: int) -> None:
        super().__init__()
        self.call_id = call_id

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        options = [(labels(f"disposition.{d}"), d) for d in self.app.calls.dispositions]
        with Vertical(classes="modal-form"):
            yield Label(labels("wrap_up.title", call_id=self.call_id))
            yield Static("", id="wrap-up-limit", markup=False)
            yield Label(labels("wrap_up.disposition"))
            yield Select(options, value=options[0][1], allow_blank=False, id="wrap-up-disposition")
            yield Input(placeholder=labels("wrap_up.note"), id="wrap-up-note", max_length=2000)
            yield Static("", id="wrap-up-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(labels("wrap_up.submit"), variant="primary", id="wrap-up-submit")
                yield Button(labels("wrap_up.later"), id="wrap-up-later")

    def on_mount(self) -> None:
        self.query_one("#wrap-up-note", Input).focus()
        self.tick()
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        """The wrap-up's time so far (the injected clock) and its limit."""
        from workbench.telephony.desk import clock_text

        state = self.app.wrap_up_state
        line = self.query_one("#wrap-up-limit", Static)
        if state is None or state.call_id != self.call_id or state.since is None:
            line.update("")
            return
        limit = self.app.calls.desk.wrap_up_limit.total_seconds()
        spent = (self.app.wb.clock.now() - state.since).total_seconds()
        labels = self.app.labels
        text = labels("wrap_up.limit", spent=clock_text(spent), limit=clock_text(limit))
        if spent > limit:
            text += labels("call_bar.wrap_up_over")
        line.update(Text(text))

    @on(Input.Submitted, "#wrap-up-note")
    @on(Button.Pressed, "#wrap-up-submit")
    def action_submit(self) -> None:
        self.query_one("#wrap-up-error", Static).update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        disposition = str(self.query_one("#wrap-up-disposition", Select).value)
        self.submit(disposition, self.query_one("#wrap-up-note", Input).value)

    @desk_work(exclusive=True, group="wrap-up")
    def submit(self, disposition: str, note: str) -> None:
        app = self.app
        try:
            view = app.calls.wrap_up(app.touch_session(), self.call_id, disposition, note)
        except ValidationError as error:
            app.call_from_thread(show_invalid, self, error, message="#wrap-up-error", inputs=INPUTS)
            return
        app.call_from_thread(self.dismiss, view)

    @on(Button.Pressed, "#wrap-up-later")
    def action_later(self) -> None:
        self.dismiss(None)
