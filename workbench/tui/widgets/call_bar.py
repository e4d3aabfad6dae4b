"""The call bar: one line on every screen and dialog while the signed-in agent is on a call —
the caller (masked), the member's number or "new caller", the talk timer (the injected clock,
every second), the hold time and the call's state (ringing, in progress, on hold) — and its
keys, the app's own, so they work (and the footer and F1 list them) on every screen and in
every dialog (MODAL_CALL_BINDINGS): F11 holds or resumes, Ctrl+T transfers to a queue, F12
ends the call (after a confirmation that defaults to Cancel) and, once Twilio says the call
is over, opens its wrap-up; until the wrap-up is done the bar shows its time against the
wrap-up limit.

The app keeps the one state the bars show (`CallKeys.active_call`), loaded from the use case
when a call event concerns the agent, when a screen opens and, during a call, on the poll (on
SQLite, events from a webhook server in another process do not arrive). Each full screen and
each modal mounts its bar itself (workbench.tui.base), so no screen adds one by hand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header

from workbench.telephony.desk import CALL_ROLES, ActiveCall, clock_text
from workbench.tui.work import desk_work
from workbench.usecases.calls import AgentStateView

if TYPE_CHECKING:
    from textual import getters

    from workbench.tui.app import WorkbenchApp

CALL_KEYS = ("call_hold", "call_transfer", "call_end")
# The call events that may change what the bar shows.
BAR_EVENTS = ("call_state", "agent_state", "ended", "taken", "handed")


class CallBar(Widget):
    """A widget, not a Static: a dialog's own text is what a query for its Static finds."""

    DEFAULT_CSS = """
    CallBar {
        dock: top;
        height: 1;
        width: 100%;
        padding: 0 1;
        background: $warning-darken-3;
        color: $text;
        text-style: bold;
    }
    CallBar.on-hold {
        background: $primary-darken-2;
    }
    CallBar.wrap-up {
        background: $secondary-darken-2;
        text-style: none;
    }
    """

    if TYPE_CHECKING:  # see workbench.tui.base
        app = getters.app(WorkbenchApp)

    def __init__(self) -> None:
        super().__init__(id="call-bar")
        self._line = Text("")
        self.display = False
        self._shown = ""  # the line on screen

    def on_mount(self) -> None:
        if self._full_screen().query(Header):  # below the header, which docks at the top too
            self.styles.margin = (1, 0, 0, 0)
        self.set_interval(1, self.tick)
        self.app.load_call_bar()

    def render(self) -> Text:
        return self._line  # text, never markup

    def _full_screen(self) -> Screen[Any]:
        """The bar's screen or, in a modal, the full screen beneath it (whose bar this one
        covers, line for line)."""
        screen, stack = self.screen, self.app.screen_stack
        if screen.is_modal and screen in stack:
            beneath = [s for s in stack[: stack.index(screen)] if not s.is_modal]
            if beneath:
                return beneath[-1]
        return screen

    def tick(self) -> None:
        app = self.app
        call, wrapping = app.active_call, app.wrap_up_state  # None once signed out
        now = app.wb.clock.now()
        if call is not None and call.state != "ended":
            line = self.line(call, now)
        elif wrapping is not None:
            line = self.wrap_up_line(wrapping, now)
        else:
            self.display = False
            return
        if line.plain != self._shown:  # once a second at most, and only what changed
            self._shown = line.plain
            self._line = line
            self.refresh()
        self.set_class(call is not None and call.state == "on_hold", "on-hold")
        self.set_class(call is None, "wrap-up")
        self.display = True

    def wrap_up_line(self, state: AgentStateView, now: datetime) -> Text:
        """After the call: the wrap-up's time against its limit (past it, reported)."""
        labels = self.app.labels
        limit = self.app.calls.desk.wrap_up_limit
        spent = (now - state.since).total_seconds() if state.since else 0
        text = labels(
            "call_bar.wrap_up",
            call_id=state.call_id,
            spent=clock_text(spent),
            limit=clock_text(limit.total_seconds()),
        )
        if spent > limit.total_seconds():
            text += labels("call_bar.wrap_up_over")
        return Text(text)

    def line(self, call: ActiveCall, now: datetime) -> Text:
        labels = self.app.labels
        who = (
            labels("call_bar.member", member_no=call.member_no)
            if call.member_no
            else labels("call_bar.new_caller")
        )
        caller = labels("call_bar.withheld") if call.caller == "withheld" else call.caller
        talk, held = call.talk_seconds(now), call.held_seconds(now)
        text = labels(
            "call_bar.line",
            state=labels(f"call_bar.state_{call.state}"),
            caller=caller,
            who=who,
            talk=clock_text(talk),
        )
        if held:
            text += labels("call_bar.hold", held=clock_text(held))
        return Text(text)


# The call keys: the app's bindings (every full screen has them) and, the same keys aimed at
# the app, every modal's (workbench.tui.base.WorkbenchModal): Textual stops a key's search for
# a binding at a modal, and an agent in a dialog during a call (a reveal, a complaint step, a
# confirmation) still holds or ends the call with the keys of the bar they see behind it.
CALL_BINDINGS: list[BindingType] = [
    Binding("f11", "call_hold", "Hold/resume"),
    Binding("ctrl+t", "call_transfer", "Transfer"),
    Binding("f12", "call_end", "End call"),
    Binding("f12", "call_wrap_up", "Wrap up"),
]
MODAL_CALL_BINDINGS: list[BindingType] = [
    Binding(binding.key, f"app.{binding.action}", binding.description)
    for binding in CALL_BINDINGS
    if isinstance(binding, Binding)
]


class CallKeys(App[None]):
    """The call bar's keys and state, for the workbench app (its base): app bindings, so every
    screen has them (and every modal, MODAL_CALL_BINDINGS); offered only while they can act."""

    BINDINGS = CALL_BINDINGS

    _bar_call: ActiveCall | None = None
    _bar_wrap_up: AgentStateView | None = None
    _bar_staff: int | None = None  # whose call and wrap-up these are
    # The dialogs the call keys opened: while one is open its key does not open another.
    _end_dialog: Screen[Any] | None = None
    _transfer_dialog: Screen[Any] | None = None

    @property
    def active_call(self) -> ActiveCall | None:
        """The call the signed-in agent is on (as last loaded), or None."""
        return self._bar_call if self._bar_is_mine() else None

    @property
    def wrap_up_state(self) -> AgentStateView | None:
        """The signed-in agent's state while they wrap a call up, or None."""
        return self._bar_wrap_up if self._bar_is_mine() else None

    def _bar_is_mine(self) -> bool:
        """Signed out, locked, or someone else signed in since: nothing of it is shown."""
        signed_in = self.workbench_app.signed_in
        return signed_in is not None and signed_in.staff.id == self._bar_staff

    @property
    def wrap_up_call(self) -> int | None:
        """The call the agent is wrapping up."""
        return self.wrap_up_state.call_id if self.wrap_up_state is not None else None

    @property
    def workbench_app(self) -> WorkbenchApp:
        """This app, as the workbench app it is the base of (Textual types `app` as App)."""
        return cast("WorkbenchApp", self)

    def on_mount(self) -> None:
        calls = self.workbench_app.wb.usecases.calls
        if calls is not None:  # the poll, during a call only (events do the rest)
            self.set_interval(calls.poll_seconds, self._poll_call_bar)

    def _poll_call_bar(self) -> None:
        if self.active_call is not None:
            self.load_call_bar()

    def call_bar_event(self, event: Mapping[str, object]) -> None:
        """A call event (WorkbenchApp.on_call_event): reload when it is about this agent or
        the call they are on."""
        app = self.workbench_app
        if app.signed_in is None or event.get("type") not in BAR_EVENTS:
            return
        mine = event.get("agent_id") == app.staff.id
        on_it = self.active_call is not None and event.get("call_id") == self.active_call.call_id
        if mine or on_it:
            self.load_call_bar()

    @desk_work(exclusive=True, group="call-bar")  # type: ignore[type-var]  # Textual types `app` as App
    def load_call_bar(self) -> None:
        """A refresh, not an action: not activity for the idle timeout."""
        app = self.workbench_app
        calls = app.wb.usecases.calls
        if app.signed_in is None or calls is None or app.staff.role not in CALL_ROLES:
            app.call_from_thread(self._show_call, None, None, None)
            return
        staff = app.staff
        state = calls.my_state(staff)
        call = calls.my_call(staff) if state.state == "on_call" else None
        app.call_from_thread(self._show_call, call, state, staff.id)

    def _show_call(
        self, call: ActiveCall | None, state: AgentStateView | None, staff_id: int | None
    ) -> None:
        self._bar_call, self._bar_staff = call, staff_id
        wrapping = state is not None and state.state == "wrap_up" and state.call_id is not None
        self._bar_wrap_up = state if wrapping else None
        for screen in self.screen_stack:
            for bar in screen.query(CallBar):
                bar.tick()
        self.screen.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The call keys are offered during a call (hold once the agent is connected, for a
        call in), the wrap-up key while one is due."""
        if action not in (*CALL_KEYS, "call_wrap_up"):
            return True
        if self.workbench_app.signed_in is None:
            return False
        if action == "call_wrap_up":
            from workbench.tui.screens.wrap_up import WrapUpScreen

            return (
                self.active_call is None
                and self.wrap_up_call is not None
                and not self._open(WrapUpScreen)  # open already: F12 in it is not offered
            )
        call = self.active_call
        if call is None or call.state == "ended":
            return False
        if action == "call_end" and self._open(self._end_dialog):
            return False  # its confirmation is open already (F12 in it asks nothing again)
        if action == "call_transfer" and self._open(self._transfer_dialog):
            return False
        if action == "call_hold":
            if call.direction != "inbound":
                return False
            return True if call.state in ("in_progress", "on_hold") else None  # None: greyed
        return True

    def _open(self, dialog: Screen[Any] | type[Screen[Any]] | None) -> bool:
        """Whether that dialog (or a dialog of that kind) is on the screen stack."""
        if dialog is None:
            return False
        if isinstance(dialog, type):
            return any(isinstance(screen, dialog) for screen in self.screen_stack)
        return dialog in self.screen_stack

    # Actions ------------------------------------------------------------------------------------
    def action_call_hold(self) -> None:
        call = self.active_call
        if call is not None and call.state in ("in_progress", "on_hold"):
            self.call_act("resume" if call.state == "on_hold" else "hold", call.call_id)

    def action_call_transfer(self) -> None:
        from workbench.tui.screens.actions import TransferScreen

        call = self.active_call
        if call is None or self._open(self._transfer_dialog):
            return
        queues = self.workbench_app.calls.transfer_queues

        def chosen(queue: str | None) -> None:
            if queue is not None:
                self.call_act("transfer", call.call_id, queue)

        self._transfer_dialog = TransferScreen(queues)
        self.push_screen(self._transfer_dialog, chosen)

    def action_call_end(self) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        call = self.active_call
        if call is None or self._open(self._end_dialog):
            return
        labels = self.workbench_app.labels
        caller = labels("call_bar.withheld") if call.caller == "withheld" else call.caller
        question = labels("call_bar.end_confirm", caller=caller)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call_act("end", call.call_id)

        self._end_dialog = ConfirmScreen(question, submit="call_bar.end")
        self.push_screen(self._end_dialog, confirmed)

    def action_call_wrap_up(self) -> None:
        from workbench.tui.screens.wrap_up import WrapUpScreen

        call_id = self.wrap_up_call
        if call_id is not None and not self._open(WrapUpScreen):
            self.push_screen(WrapUpScreen(call_id), self._wrapped_up)

    def _handed_on(self, call_id: int) -> None:
        """A profile open on the call the agent transferred: the caller is someone else's
        now, and so is their record (as the profile's own transfer does)."""
        from workbench.tui.screens.profile import ProfileScreen

        for screen in self.screen_stack:
            if isinstance(screen, ProfileScreen) and screen.call_id == call_id:
                screen.call_id = None
                screen.reload()

    def _wrapped_up(self, _view: Any) -> None:
        self.load_call_bar()

    @desk_work(exclusive=True, group="call-bar-act")  # type: ignore[type-var]  # Textual types `app` as App
    def call_act(self, what: str, call_id: int, queue: str = "") -> None:
        """Hold, resume, transfer or end the agent's call; the bar follows the events."""
        app = self.workbench_app
        staff = app.touch_session()
        calls = app.calls
        if what == "hold":
            calls.hold(staff, call_id)
        elif what == "resume":
            calls.resume(staff, call_id)
        elif what == "transfer":
            calls.transfer(staff, call_id, queue)
        elif what == "end":
            calls.end_call(staff, call_id)
        done = app.labels(f"call_bar.{what}_done", queue=queue)
        app.call_from_thread(app.notify, done, markup=False)
        if what == "transfer":
            app.call_from_thread(self._handed_on, call_id)
        app.call_from_thread(self.load_call_bar)
