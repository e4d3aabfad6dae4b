"""The screens of the workbench app. Textual types a node's `self.app` as a plain `App`, which has
none of what the screens use (labels, use cases, the session); these bases say it is the
`WorkbenchApp`. Only for the type checker: at run time `self.app` is Textual's own property, and
this module imports the app only while type checking (the app imports the screens).

Widgets that reach the app declare the same line themselves (a base here cannot sit in front of
every Textual widget class):

    if TYPE_CHECKING:
        app = getters.app(WorkbenchApp)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import ModalScreen, Screen, ScreenResultType

from workbench.tui.widgets.call_bar import MODAL_CALL_BINDINGS, CallBar

if TYPE_CHECKING:
    from textual import getters

    from workbench.tui.app import WorkbenchApp


class WorkbenchScreen(Screen[ScreenResultType]):
    """A full screen of the workbench app: each has the call bar (workbench.tui.widgets.call_bar),
    mounted here, so no screen adds it by hand."""

    if TYPE_CHECKING:
        app = getters.app(WorkbenchApp)

    def _on_mount(self, event: events.Mount) -> None:
        # Textual calls each class's own handler in turn: this runs beside a screen's on_mount
        # (and Screen's own _on_mount, which it must not call again).
        from workbench.tui.widgets.call_bar import CallBar

        self.mount(CallBar())


class WorkbenchModal(ModalScreen[ScreenResultType]):
    """A modal of the workbench app (it returns what was chosen with `dismiss`). During a call
    it has the call bar and its keys too (F11, Ctrl+T, F12: the app's, see
    workbench.tui.widgets.call_bar), which Textual would not look for past a modal; the bar
    lies where the bar of the screen beneath is, so a dialog never hides the call's state."""

    BINDINGS = MODAL_CALL_BINDINGS

    if TYPE_CHECKING:
        app = getters.app(WorkbenchApp)

    def _on_mount(self, event: events.Mount) -> None:
        self.mount(CallBar())
