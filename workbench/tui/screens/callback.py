"""The callback workspace: the claimed member's profile (masked, counting down the grant), the
script for the reason, the feedback, and one key per outcome. When the grant ends, the member's
data leaves the screen (the profile screen does that); the outcome can still be recorded."""

from __future__ import annotations

from datetime import datetime, time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from workbench.callbacks.service import Claim
from workbench.errors import ValidationError
from workbench.permissions.access import MemberView
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.work import desk_work

OUTCOME_KEYS = {
    "1": "reached",
    "2": "no_answer",
    "3": "busy",
    "4": "wrong_number",
    "5": "call_back_later",
    "6": "refused",
    "7": "do_not_call",
}


class CallbackScreen(ProfileScreen):
    BINDINGS = [
        Binding("d", "dial", "Dial"),
        *(
            Binding(key, f"outcome('{outcome}')", outcome, show=False)
            for key, outcome in OUTCOME_KEYS.items()
        ),
    ]

    def __init__(self, view: MemberView, claim: Claim) -> None:
        super().__init__(view)
        self.claim = claim

    def compose_extra(self) -> ComposeResult:
        labels = self.app.labels
        yield Static(Text(labels(f"script.{self.claim.reason}")), id="callback-script")
        yield Static(Text(labels("callback.keys")), id="callback-keys")
        yield Input(placeholder=labels("callback.feedback"), id="callback-feedback")
        yield Input(placeholder=labels("callback.later"), id="callback-later")

    def action_dial(self) -> None:
        if not isinstance(self.focused, Input) and self.call_id is None:
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

    def action_outcome(self, outcome: str) -> None:
        if isinstance(self.focused, Input):
            return  # the digits are being typed into a field
        feedback = self.query_one("#callback-feedback", Input).value
        later = self.query_one("#callback-later", Input).value.strip()
        try:
            call_back_at = self._later(later) if outcome == "call_back_later" else None
        except ValidationError as error:
            self.app.report_error(error)
            return
        self.record(outcome, feedback, call_back_at)

    def _later(self, text: str) -> datetime:
        zone = self.app.wb.settings.timezone
        try:
            at = time.fromisoformat(text)
        except ValueError:
            raise ValidationError("call_back_at", "a time as HH:MM") from None
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
        self.notify(self.app.labels("callback.recorded", outcome=outcome), markup=False)
        self.app.pop_screen()
