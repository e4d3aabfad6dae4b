"""The reveal modal: which field, and why: a configured purpose and an optional note (both go
to the audit log). The reason is checked before the dialog closes; a refusal keeps it open with
the message and the cursor on what to change."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workbench.errors import ValidationError
from workbench.members.registry import PERSONAL_FIELDS
from workbench.tui.base import WorkbenchModal
from workbench.tui.widgets.form import chosen, show_invalid

REASON_INPUTS = {"purpose": "#reveal-purpose", "note": "#reveal-note"}


class RevealScreen(WorkbenchModal[tuple[str, str, str] | None]):
    """Dismissed with (field, purpose, note), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        options = [(labels(f"field.{name}"), name) for name in PERSONAL_FIELDS]
        with Vertical(id="reveal-form"):
            yield Label(labels("reveal.title"))
            yield Select(options, value=self.field, allow_blank=False, id="reveal-field")
            purposes = self.app.usecases.members.reveal_purposes()
            yield Select(
                [(Text(labels.value("reveal_purpose", purpose)), purpose) for purpose in purposes],
                prompt=labels("reveal.choose_purpose"),
                id="reveal-purpose",
            )
            yield Input(placeholder=labels("reveal.note"), id="reveal-note")
            yield Static("", id="reveal-error", markup=False)
            with Horizontal():
                yield Button(labels("reveal.submit"), variant="warning", id="reveal-submit")
                yield Button(labels("reveal.cancel"), id="reveal-cancel")

    def on_mount(self) -> None:
        self.query_one("#reveal-purpose", Select).focus()

    @on(Input.Submitted, "#reveal-note")
    @on(Button.Pressed, "#reveal-submit")
    def _submit(self) -> None:
        field = self.query_one("#reveal-field", Select).value
        purpose = chosen(self.query_one("#reveal-purpose", Select))
        note = self.query_one("#reveal-note", Input).value.strip()
        self.query_one("#reveal-error", Static).update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        try:  # a pure check, no database: the same rule the reveal applies
            self.app.usecases.members.check_reveal_reason(str(purpose or ""), note)
        except ValidationError as error:
            show_invalid(self, error, message="#reveal-error", inputs=REASON_INPUTS)
            return
        self.dismiss((str(field), str(purpose), note))

    @on(Button.Pressed, "#reveal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
