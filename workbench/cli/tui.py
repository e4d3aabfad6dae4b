"""`workbench tui`: the terminal workbench."""

from __future__ import annotations

from workbench.cli.state import state
from workbench.db.migrate import is_up_to_date
from workbench.errors import WorkbenchError


def run_tui(sign_in_hint: str | None = None, *, demo: bool = False) -> None:
    from workbench.tui.app import WorkbenchApp  # textual is loaded only for the TUI

    wb = state.workbench(telephony=True)
    if not is_up_to_date(wb.engine):
        raise WorkbenchError("the database schema is not current: run `workbench db upgrade`")
    WorkbenchApp(wb, sign_in_hint=sign_in_hint, demo=demo).run()


def tui_command() -> None:
    """Open the terminal workbench (sign in as a staff member)."""
    run_tui()


def register(app) -> None:
    app.command("tui")(tui_command)
