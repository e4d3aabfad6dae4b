"""Member and staff text on the screen: data, never markup, never terminal control. Old data may
still hold an escape sequence or a bidi override written before input was checked; these
helpers pass it through `safe_for_terminal` on its way to a widget."""

from __future__ import annotations

from typing import overload

from rich.text import Text

from workbench.masking.text import is_safe, safe_for_terminal


def member_text(value: object, *, style: str = "", multiline: bool = False) -> Text:
    """`value` as a Text to show (None as "-"); newlines kept only where `multiline`."""
    plain = "-" if value is None else str(value)
    return Text(safe_for_terminal(plain, multiline=multiline), style=style)


def safe_text(text: Text, *, multiline: bool = True) -> Text:
    """`text` itself when it is safe, else a copy with its plain text made safe (its style
    kept; the spans of a line that held unsafe characters may end early)."""
    if is_safe(text.plain, multiline=multiline):
        return text
    safe = text.copy()
    safe.plain = safe_for_terminal(text.plain, multiline=multiline)
    return safe


@overload
def safe_cell(cell: Text) -> Text: ...
@overload
def safe_cell(cell: str) -> str: ...
def safe_cell(cell: Text | str) -> Text | str:
    """A table cell made safe: a Text stays a Text, a string a string (a cell keeps its own
    newlines: the table gives it the lines it needs)."""
    if isinstance(cell, Text):
        return safe_text(cell)
    return safe_for_terminal(cell, multiline=True)
