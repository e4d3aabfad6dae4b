"""A member's assigned agent (专属客服) from the profile's member menu (Ctrl+A), for supervisors
and administrators: the tier and the agent now, a username to assign (Ctrl+S) or the agent to
take away (Ctrl+R: in the field Ctrl+D deletes). A refusal (a tier below the rank, a name that
takes no calls) shows under the form, which keeps what was typed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Input, Static

from workbench.errors import ValidationError, WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import show_invalid
from workbench.tui.work import desk_work
from workbench.usecases.assigned_agents import Assignment

INPUTS = {"agent": "#assigned-username"}


class AssignedAgentScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "assign", "Assign agent"),
        Binding("ctrl+r", "unassign", "Unassign agent"),
    ]
    DEFAULT_CSS = """
    AssignedAgentScreen .assigned-form { padding: 0 1; }
    AssignedAgentScreen #assigned-error { color: $error; }
    AssignedAgentScreen #assigned-result { color: $success; }
    """

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(classes="assigned-form"):
            yield Static(Text(labels("assigned.title", member_no=self.member_no)))
            yield Static(Text(labels("assigned.loading")), id="assigned-now")
            yield Input(placeholder=labels("assigned.username"), id="assigned-username")
            yield Static("", id="assigned-error", markup=False)
            yield Static("", id="assigned-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#assigned-username", Input).focus()
        self.load()

    @desk_work(exclusive=True, group="assigned-load")
    def load(self) -> None:
        app = self.app
        now = app.usecases.assigned_agents.assigned(app.touch_session(), self.member_no)
        app.call_from_thread(self._show, now)

    def _show(self, now: Assignment) -> None:
        labels = self.app.labels
        agent = now.agent or labels("assigned.none")
        self.query_one("#assigned-now", Static).update(
            Text(
                labels(
                    "assigned.now",
                    tier=self.app.wb.scheme.get(now.tier_code).label(labels.language),
                    agent=agent,
                )
            )
        )

    def action_assign(self) -> None:
        self.assign(self.query_one("#assigned-username", Input).value)

    def action_unassign(self) -> None:
        self.unassign()

    @desk_work(exclusive=True, group="assigned-change")
    def assign(self, username: str) -> None:
        app = self.app
        try:
            done = app.usecases.assigned_agents.assign(
                app.touch_session(), self.member_no, username
            )
        except WorkbenchError as error:  # the form stays open with what was typed
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._changed, done, "assigned.assigned")

    @desk_work(exclusive=True, group="assigned-change")
    def unassign(self) -> None:
        app = self.app
        try:
            done = app.usecases.assigned_agents.unassign(app.touch_session(), self.member_no)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._changed, done, "assigned.unassigned")

    def _refused(self, error: WorkbenchError) -> None:
        self.query_one("#assigned-result", Static).update("")
        if isinstance(error, ValidationError):
            show_invalid(self, error, message="#assigned-error", inputs=INPUTS)
        else:
            self.query_one("#assigned-error", Static).update(Text(self.app.labels.error(error)))

    def _changed(self, done: Assignment, key: str) -> None:
        self.query_one("#assigned-error", Static).update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        self.query_one("#assigned-result", Static).update(
            Text(self.app.labels(key, agent=done.agent or ""))
        )
        self._show(done)

    def action_back(self) -> None:
        self.app.pop_screen()
