"""The reveal modal: which field, and why (the reason goes to the audit log)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from workbench.members.registry import PERSONAL_FIELDS
from workbench.tui.base import WorkbenchModal


class RevealScreen(WorkbenchModal[tuple[str, str] | None]):
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
            yield Input(placeholder=labels("reveal.reason"), id="reveal-reason")
            with Horizontal():
                yield Button(labels("reveal.submit"), variant="warning", id="reveal-submit")
                yield Button(labels("reveal.cancel"), id="reveal-cancel")

    def on_mount(self) -> None:
        self.query_one("#reveal-reason", Input).focus()

    @on(Input.Submitted, "#reveal-reason")
    @on(Button.Pressed, "#reveal-submit")
    def _submit(self) -> None:
        field = self.query_one("#reveal-field", Select).value
        reason = self.query_one("#reveal-reason", Input).value.strip()
        self.dismiss((str(field), reason))

    @on(Button.Pressed, "#reveal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
