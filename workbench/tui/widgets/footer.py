"""The footer in the current language: Textual's footer shows each binding's description as
written in the code (English); this one looks it up in the label catalogue as it is drawn, so
the keys switch language with the rest of the screen (Ctrl+L)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual import getters

    from workbench.tui.app import WorkbenchApp


class TranslatedFooter(Footer):
    if TYPE_CHECKING:  # see workbench.tui.base
        app = getters.app(WorkbenchApp)

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = labels.key(widget.description)
            yield widget
