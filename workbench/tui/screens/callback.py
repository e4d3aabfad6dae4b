"""The callback workspace: the claimed member's profile (masked, counting down the grant), the
script for the reason, the feedback, and Ctrl+S to record the outcome (chosen in a dialog). When the grant ends, the member's
data leaves the screen (the profile screen does that); the outcome can still be recorded."""

from __future__ import annotations

from datetime import datetime, time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workbench.callbacks.service import Claim
from workbench.permissions.access import MemberView
from workbench.tui.base import WorkbenchModal
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.widgets.form import chosen
from workbench.tui.work import desk_work

OUTCOMES = (
    "reached",
    "no_answer",
    "busy",
    "wrong_number",
    "call_back_later",
    "refused",
    "do_not_call",
)


class OutcomeScreen(WorkbenchModal[str | None]):
    """Which outcome to record (nothing is chosen until the agent chooses); returns it, or None
    when cancelled. The feedback typed in the workspace is shown, so what is recorded is seen."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, feedback: str) -> None:
        super().__init__()
        self.feedback = feedback

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form", id="outcome-form"):
            yield Label(labels("outcome.title"))
            yield Select(
                [(labels(f"outcome.{o}"), o) for o in OUTCOMES],
                prompt=labels("outcome.choose"),
                id="outcome-choice",
            )
            if self.feedback:
                yield Static(Text(labels("outcome.feedback", feedback=self.feedback)))
            yield Static("", id="outcome-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(labels("outcome.submit"), variant="primary", id="modal-submit")
                yield Button(labels("modal.cancel"), id="modal-cancel")

    def on_mount(self) -> None:
        self.query_one("#outcome-choice", Select).focus()

    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        outcome = chosen(self.query_one("#outcome-choice", Select))
        if outcome is None:
            self.query_one("#outcome-error", Static).update(Text(self.app.labels("outcome.needed")))
            return
        self.dismiss(str(outcome))

    @on(Button.Pressed, "#modal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class CallbackScreen(ProfileScreen):
    # No bare keys: the agent types the member's feedback here (a digit or a "d" is text).
    BINDINGS = [
        Binding("f5", "dial", "Dial"),
        Binding("ctrl+s", "outcome", "Record outcome"),
    ]

    def __init__(self, view: MemberView, claim: Claim) -> None:
        super().__init__(view)
        self.claim = claim

    def compose_extra(self) -> ComposeResult:
        labels = self.app.labels
        yield Static(Text(labels(f"script.{self.claim.reason}")), id="callback-script")
        yield Static(Text(labels("callback.keys_safe")), id="callback-keys")
        yield Input(placeholder=labels("callback.feedback"), id="callback-feedback")
        yield Input(placeholder=labels("callback.later_when"), id="callback-later")
        yield Static("", id="callback-error", markup=False)

    def on_mount(self) -> None:  # Textual runs the profile's own on_mount as well
        self.query_one("#callback-feedback", Input).focus()

    def action_dial(self) -> None:
        if self.call_id is None:
            self.dial()

    @desk_work(exclusive=True, group="outcome")
    def dial(self) -> None:
        """Through the Calls API: the agent's phone rings first, then the member's."""
        app = self.app
        call_id = app.calls.place_callback(app.touch_session(), self.claim.task_id)
        app.call_from_thread(self._dialling, call_id)

    def _dialling(self, call_id: int) -> None:
        self.call_id = call_id
        self.notify(self.app.labels("callback.dialling"), markup=False)

    def member_leg(self, status: str) -> None:
        """The member's phone answered, or did not: an unanswered call is recorded already."""
        labels = self.app.labels
        if status == "completed":
            self.notify(labels("callback.answered"), markup=False)
            return
        self.notify(labels("callback.unanswered", status=status), severity="warning", markup=False)
        self.app.pop_screen()

    def action_outcome(self) -> None:
        feedback = self.query_one("#callback-feedback", Input).value
        self.app.push_screen(OutcomeScreen(feedback.strip()), self._outcome_chosen)

    def _outcome_chosen(self, outcome: str | None) -> None:
        if outcome is None:
            return
        feedback = self.query_one("#callback-feedback", Input).value
        later = self.query_one("#callback-later", Input)
        error = self.query_one("#callback-error", Static)
        error.update("")
        later.remove_class("invalid")
        call_back_at = None
        if outcome == "call_back_later":
            call_back_at = self._later(later.value.strip())
            if call_back_at is None:  # beside the field, which keeps what was typed
                error.update(Text(self.app.labels("callback.later_bad")))
                later.add_class("invalid")
                later.focus()
                return
        self.record(outcome, feedback, call_back_at)

    def _later(self, text: str) -> datetime | None:
        """HH:MM today, or YYYY-MM-DD HH:MM, in the desk's zone; None if it is neither."""
        zone = self.app.wb.settings.timezone
        try:
            if " " in text:
                return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
            at = time.fromisoformat(text)
        except ValueError:
            return None
        today = self.app.wb.clock.now().astimezone(zone).date()
        return datetime.combine(today, at, tzinfo=zone)

    @desk_work(exclusive=True, group="outcome")
    def record(self, outcome: str, feedback: str, call_back_at: datetime | None) -> None:
        app = self.app
        app.usecases.callbacks.record_outcome(
            app.touch_session(),
            self.claim.task_id,
            outcome,
            feedback=feedback,
            call_back_at=call_back_at,
        )
        app.call_from_thread(self._recorded, outcome)

    def _recorded(self, outcome: str) -> None:
        labels = self.app.labels
        self.notify(labels("callback.recorded", outcome=labels(f"outcome.{outcome}")), markup=False)
        self.app.pop_screen()
