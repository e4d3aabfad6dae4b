"""`workbench tui`: the terminal workbench."""

from __future__ import annotations

import typer

from workbench.cli.state import state
from workbench.errors import WorkbenchError


def run_tui(sign_in_hint: tuple[str, dict[str, str]] | None = None, *, demo: bool = False) -> None:
    """`sign_in_hint`: a catalogue key (workbench.tui.labels) and its values, shown on the
    sign-in screen in the language chosen there."""
    from workbench.cli import set_up_logging
    from workbench.tui.app import WorkbenchApp  # textual is loaded only for the TUI
    from workbench.tui.collector import freeze_startup_objects

    wb = state.workbench(telephony=True)
    set_up_logging(console=False)  # to the file only: stderr would paint over the screen
    if not wb.usecases.admin.schema_is_current():
        raise WorkbenchError("the database schema is not current: run `workbench db upgrade`")
    app = WorkbenchApp(wb, sign_in_hint=sign_in_hint, demo=demo)
    freeze_startup_objects()  # full collections would pause keys (workbench.tui.collector)
    app.run()


def tui_command() -> None:
    """Open the terminal workbench (sign in as a staff member)."""
    run_tui()


def register(app: typer.Typer) -> None:
    app.command("tui")(tui_command)
