"""The footer in the current language: Textual's footer shows each binding's description as
written in the code (English); this one looks it up in the label catalogue as it is drawn, so
the keys switch language with the rest of the screen (Ctrl+L).

Textual's footer is one line, and keys past its width are cut off (at 80 columns, in Chinese, a
home screen's keys need two lines). This one wraps: the keys that do not fit go on another
line, and the footer grows to hold them.

Textual's footer also builds its keys again whenever the screen's bindings may have changed,
which is at every focus change: some twenty widgets, each restyled, 100 ms and more a Tab on a
busy screen. This one rebuilds only when what it shows (keys, words, enabled, language)
changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual import getters

    from workbench.tui.app import WorkbenchApp


def _width(key: FooterKey) -> int:
    """The cells a key takes, as Textual's footer draws it (not compact): " key desc " and
    a margin."""
    if not key.description:
        return cell_len(key.key_display) + 1
    return cell_len(key.key_display) + cell_len(key.description) + 3


class TranslatedFooter(Footer):
    if TYPE_CHECKING:  # see workbench.tui.base
        app = getters.app(WorkbenchApp)

    DEFAULT_CSS = """
    TranslatedFooter HorizontalGroup.footer-row { width: 1fr; height: 1; }
    """

    _rows = 1
    _shown: tuple[object, ...] | None = None  # what the keys were last built for
    _laid_out_for = 0  # the width the rows were made for

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = self._what_it_shows(screen)
        if shown == self._shown and self._bindings_ready:
            return
        if screen.app.app_focus:  # else Textual's footer waits to recompose, and so must this
            self._shown = shown
        super().bindings_changed(screen)

    def _what_it_shows(self, screen: Screen[object]) -> tuple[object, ...]:
        keys = tuple(
            (binding.key, binding.description, binding.action, enabled, tooltip)
            for (_, binding, enabled, tooltip) in screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"
        )
        return (self.app.labels.language, *keys)

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        widgets: list[Widget] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = labels.key(widget.description)
            widgets.append(widget)
        width = self.size.width or self.app.size.width
        self._laid_out_for = width
        keys = [w for w in widgets if isinstance(w, FooterKey)]
        if len(keys) != len(widgets):  # grouped keys (none on this desk): Textual's line
            yield from widgets
            return
        palette = [k for k in keys if k.has_class("-command-palette")]
        others = [k for k in keys if not k.has_class("-command-palette")]
        room = width - sum(_width(k) + 2 for k in palette)
        rows: list[list[FooterKey]] = [[]]
        used = 0
        for key in others:
            need = _width(key)
            if rows[-1] and used + need > room:
                rows.append([])
                used = 0
            rows[-1].append(key)
            used += need
        self._rows = len(rows)
        self.styles.height = len(rows)
        if len(rows) == 1:
            yield from widgets
            return
        self.styles.layout = "vertical"
        yield from palette
        for row in rows:
            yield HorizontalGroup(*row, classes="footer-row")

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._laid_out_for:
            self.call_after_refresh(self.recompose)
