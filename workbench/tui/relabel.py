"""Ctrl+L on any screen: what a screen shows from the catalogue changes language at once (issue
17 item 8), not only on the next screen. A screen's own `relabel` redraws what it filled in
(labels with values, its tables' rows); this covers the rest of every screen in the stack: each
widget that shows a catalogue label as written — a heading, a button, a field's placeholder, a
tab, a table's column — shows it in the new language, and a screen that loads its data
(`load`) loads it again, so the values in its tables are in the new language too."""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Static, Tab

from workbench.tui.labels import LABELS


@cache
def _translations(old: str, new: str) -> dict[str, str]:
    """Each label without placeholders, in `old`, to the same label in `new` (0 zh-CN, 1 en)."""
    pairs = (texts for texts in LABELS.values() if "{" not in texts[0] + texts[1])
    return {texts[old == "en"]: texts[new == "en"] for texts in pairs}


def relabel_screen(screen: Screen[Any], old: str, new: str, *, reload: bool = True) -> None:
    """`reload`: load the screen's data again (the shown screen; those beneath load theirs
    when they show again, if they do so on resume)."""
    words = _translations(old, new)
    for widget in screen.walk_children(with_self=False):
        if isinstance(widget, Button):
            label = words.get(str(widget.label).strip())
            if label is not None:
                widget.label = label
        elif isinstance(widget, Tab):
            label = words.get(widget.label_text.strip())
            if label is not None:
                widget.label = label
        elif isinstance(widget, Input):
            placeholder = words.get(widget.placeholder.strip())
            if placeholder is not None:
                widget.placeholder = placeholder
        elif isinstance(widget, Static):
            content = widget.content
            text = words.get(str(content).strip())
            if text is not None:  # a Text keeps its style; as before, never markup
                widget.update(
                    Text(text, style=content.style) if isinstance(content, Text) else Text(text)
                )
        elif isinstance(widget, DataTable):
            _relabel_columns(widget, words)
    load = getattr(screen, "load", None)
    if reload and callable(load) and not _needs_arguments(load):
        load()


def _needs_arguments(method: object) -> bool:
    parameters = inspect.signature(method).parameters.values()  # type: ignore[arg-type]
    return any(
        p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        for p in parameters
    )


def _relabel_columns(table: DataTable[Any], words: dict[str, str]) -> None:
    changed = False
    for column in table.columns.values():
        label = words.get(column.label.plain.strip())
        if label is not None:
            column.label = Text(label)
            column.content_width = max(column.content_width, cell_len(label))
            changed = True
    if changed:
        table.refresh(layout=True)
