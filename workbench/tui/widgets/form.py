"""What the forms share: a service's validation error shown in place, a select's choice."""

from __future__ import annotations

from typing import Any, TypeVar

from rich.text import Text
from textual.screen import Screen
from textual.types import NoSelection
from textual.widgets import Select, Static

from workbench.errors import ValidationError

Choice = TypeVar("Choice")


def show_invalid(
    screen: Screen[Any], error: ValidationError, *, message: str, inputs: dict[str, str]
) -> None:
    """The message (as text: it may quote what was typed) in the `message` widget, and the
    cursor on the input of the field it names, marked invalid."""
    labels = screen.app.labels  # type: ignore[attr-defined]  # the workbench app's
    screen.query_one(message, Static).update(Text(labels.error(error)))
    selector = inputs.get(error.field)
    if selector:
        widget = screen.query_one(selector)
        widget.add_class("invalid")
        widget.focus()


def chosen(select: Select[Choice]) -> Choice | None:
    """What the select is set to, or None where nothing is chosen (Textual's `Select.NULL`; its
    `Select.BLANK` is an unrelated flag every widget has, and never a select's value)."""
    value = select.value
    return None if isinstance(value, NoSelection) else value
