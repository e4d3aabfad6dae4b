"""The agent's state on the home screen, with the time in it; its key moves the agent between
available, break and offline, or reopens the wrap-up of a call that ended."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from workbench.telephony.desk import CALL_ROLES
from workbench.tui.work import desk_work
from workbench.usecases.calls import AgentStateView

if TYPE_CHECKING:
    from textual import getters

    from workbench.tui.app import WorkbenchApp

# The key's round: each press moves to the next state.
NEXT_STATE = {"available": "break", "break": "offline", "offline": "available"}


class AgentStateLine(Static):
    if TYPE_CHECKING:  # see workbench.tui.base
        app = getters.app(WorkbenchApp)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", markup=False, id=id)
        self.view: AgentStateView | None = None
        self.display = False  # shown to staff who take calls

    @desk_work(exclusive=True, group="agent-state")
    def load_state(self) -> None:
        app = self.app
        calls = app.usecases.calls
        if app.signed_in is None or calls is None or app.staff.role not in CALL_ROLES:
            return  # signed out, no hotline, or a role that takes no calls
        app.call_from_thread(self._show, calls.my_state(app.staff))

    @desk_work(exclusive=True, group="agent-state")
    def change(self, state: str) -> None:
        app = self.app
        view = app.calls.set_my_state(app.touch_session(), state)
        app.call_from_thread(self._show, view)

    def press(self) -> None:
        """The home screen's state key."""
        from workbench.tui.screens.wrap_up import WrapUpScreen

        view = self.view
        if view is None:
            return
        if view.state == "wrap_up" and view.call_id is not None:
            self.app.push_screen(WrapUpScreen(view.call_id), self._wrapped_up)
        elif view.state in NEXT_STATE:
            self.change(NEXT_STATE[view.state])

    def _wrapped_up(self, _view: AgentStateView | None) -> None:
        self.load_state()

    def _show(self, view: AgentStateView) -> None:
        self.view = view
        self.display = True
        self.tick(self.app.wb.clock.now())

    def tick(self, now: datetime) -> None:
        view = self.view
        if view is None:
            return
        labels = self.app.labels
        seconds = int((now - view.since).total_seconds()) if view.since else 0
        minutes, seconds = divmod(max(seconds, 0), 60)
        line = labels(
            "agent_state.line",
            state=labels(f"agent_state.{view.state}"),
            timer=f"{minutes:02d}:{seconds:02d}",
        )
        overdue = view.state == "wrap_up" and (view.wrap_up_overdue or self._past_limit(now))
        if overdue:
            line += labels("agent_state.overdue")
        self.update(Text(line))

    def _past_limit(self, now: datetime) -> bool:
        view = self.view
        if view is None or view.since is None:
            return False
        limit = self.app.calls.desk.wrap_up_limit
        return bool(now - view.since > limit)
