"""The help screen: the keys of the screen it was opened on, read from that screen's own
bindings (and the app's) and named from the label catalogue, so it never lists a key that is
not there nor misses one that is."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from workbench.tui.base import WorkbenchModal

KEY_NAMES = {
    "escape": "Esc",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "enter": "Enter",
    "tab": "Tab",
}


def key_name(key: str) -> str:
    """How a key is written on the keyboard: ctrl+r -> Ctrl+R, f2 -> F2, slash -> /."""
    parts = []
    for part in key.split("+"):
        if part in KEY_NAMES:
            parts.append(KEY_NAMES[part])
        elif len(part) == 1 or (part[0] == "f" and part[1:].isdigit()):
            parts.append(part.upper())
        else:
            parts.append(part.capitalize())
    return "+".join(parts)


def screen_keys(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(key, description) of every binding the screen and the app give now, shown in the
    footer or not (a widget's own editing keys are left out); the first key of an action
    names it, the others follow it."""
    by_action: dict[str, tuple[list[str], str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if active.node is not screen and active.node is not screen.app:
            continue  # a text field's editing keys: the field's own, not the screen's
        if not binding.description:
            continue
        keys, _ = by_action.setdefault(binding.action, ([], binding.description))
        keys.append(key_name(key))
    return [(" / ".join(keys), description) for keys, description in by_action.values()]


class HelpScreen(WorkbenchModal[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under  # the screen whose keys are listed

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        keys = screen_keys(self.under)
        width = max((len(k) for k, _ in keys), default=0) + 2
        lines = [labels("help.keys_title")]
        lines += [f"  {k.ljust(width)} {labels.key(d)}" for k, d in keys] or [labels("help.none")]
        lines += ["", labels("help.palette"), "", labels("help.masked")]
        yield Static(Text("\n".join(lines)), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
