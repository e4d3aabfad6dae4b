"""What the commands print is text, never terminal control: every command's console is a
`SafeConsole`, which passes each piece of text it writes through `safe_for_terminal` (old data
may still hold an escape sequence, a bell or a bidi override written before input was checked),
and JSON goes out through `print_json`. Rich's own control segments (cursor moves, which the
commands never ask for) and its styles are left alone: only the text is data."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

from workbench.masking.text import is_safe, safe_data, safe_for_terminal


class SafeConsole(Console):
    """A Rich console whose written text holds no control, bidi or format character. Rich
    keeps a cell's own newlines inside the cell, so they stay; the rest is replaced."""

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control or is_safe(segment.text, multiline=True):
                yield segment
            else:
                yield Segment(safe_for_terminal(segment.text, multiline=True), segment.style)


def cell(value: object, *, style: str = "") -> Text:
    """A table cell holding data (member or staff text): never markup, never control."""
    return Text(safe_for_terminal("-" if value is None else str(value)), style=style)


def json_text(data: Any) -> str:
    """`data` as the JSON the commands print: every string (keys too) made safe first, so the
    reader of the JSON gets no C1 or bidi character either (JSON escapes only C0)."""
    return json.dumps(safe_data(data), ensure_ascii=False, indent=2)


def print_json(data: Any) -> None:
    print(json_text(data))
