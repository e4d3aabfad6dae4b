"""What the forms share: a service's validation error shown in place."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static

from workbench.errors import ValidationError


def show_invalid(
    screen: Screen, error: ValidationError, *, message: str, inputs: dict[str, str]
) -> None:
    """The message (as text: it may quote what was typed) in the `message` widget, and the
    cursor on the input of the field it names, marked invalid."""
    screen.query_one(message, Static).update(Text(str(error)))
    selector = inputs.get(error.field)
    if selector:
        widget = screen.query_one(selector)
        widget.add_class("invalid")
        widget.focus()
