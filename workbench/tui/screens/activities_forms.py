"""The activity forms: the plan form (a new plan, or a change of one: Ctrl+S saves; a refusal
is shown beside the field it names, the form staying open with what was typed) and the
member desks of an activity — sign-up and check-in — where a text field has the cursor from
the start: scanning a card (its number and Enter) or typing a card or member number and Enter
signs the member up or checks them in; a repeated check-in says so and credits nothing; and
the satisfaction form (a participant's card or member number and a score 1–5: Enter in the
score field or Ctrl+S records it; a refusal is shown beside the field it concerns, the form
keeping what was typed); the sign-up cancellation desk (a member's card or number and Enter
asks first, starting on Cancel); the reason form that returns a plan or cancels the activity
(Ctrl+S; refused, the reason stays); and the actual cost form (Enter or Ctrl+S)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from workbench.activities.rules import ActivityKind
from workbench.errors import ValidationError, WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.activities import (
    ActivityDetail,
    CheckedIn,
    PlanForm,
    SignedUp,
    SignupLine,
)

# The plan's text fields, in the form's order (kind is a select above them).
TEXT_FIELDS = (
    "theme",
    "starts",
    "ends",
    "store",
    "place",
    "capacity",
    "budget",
    "tiers",
    "stores",
    "priority_opens",
    "signup_opens",
    "signup_closes",
    "cancel_until",
    "points",
    "channels",
    "content",
)
# A refusal's field (the use case's or the plan's own rules') -> the form's field.
ERROR_FIELDS = {
    "starts_at": "starts",
    "ends_at": "ends",
    "priority_opens_at": "priority_opens",
    "signup_opens_at": "signup_opens",
    "signup_closes_at": "signup_closes",
    "eligible_tiers": "tiers",
    "eligible_stores": "stores",
}


class PlanFormScreen(WorkbenchScreen[None]):
    """A new plan (`detail` None) or a change of the plan shown (only what was changed goes)."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "save", "Save plan")]

    def __init__(self, detail: ActivityDetail | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.initial: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="plan-form"):
            title = (
                labels("activities.form_edit", code=self.detail.line.code)
                if self.detail
                else labels("activities.form_new")
            )
            yield Static(Text(title), id="plan-title")
            yield Static(Text(labels("activities.form_hint")))
            yield Static("", id="plan-error", markup=False)
            yield Label(labels("activities.field.kind"))
            yield Select(
                [(labels(f"activities.kind.{k.value}"), k.value) for k in ActivityKind],
                value=self.detail.line.kind if self.detail else ActivityKind.NEW_PRODUCT_LAUNCH,
                allow_blank=False,
                id="plan-kind",
            )
            yield Static("", id="plan-kind-error", markup=False)
            for name in TEXT_FIELDS:
                if name == "store" and self.detail is not None:
                    continue  # the store holding an activity does not change
                yield Label(labels(f"activities.field.{name}"))
                yield Input(id=f"plan-{name}")
                yield Static("", id=f"plan-{name}-error", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        if self.detail is not None:
            self.initial = self._values_of(self.detail)
            for name, value in self.initial.items():
                if name != "kind":
                    self.query_one(f"#plan-{name}", Input).value = value
        self.query_one("#plan-theme", Input).focus()

    def _values_of(self, d: ActivityDetail) -> dict[str, str]:
        zone = self.app.wb.settings.timezone

        def at(value: datetime) -> str:
            return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

        line = d.line
        return {
            "kind": line.kind,
            "theme": line.theme,
            "starts": at(line.starts_at),
            "ends": at(line.ends_at),
            "place": line.place,
            "capacity": str(line.capacity),
            "budget": f"{line.budget:.2f}",
            "tiers": ",".join(d.eligible_tiers),
            "stores": ",".join(d.eligible_stores),
            "priority_opens": at(d.priority_opens_at),
            "signup_opens": at(d.signup_opens_at),
            "signup_closes": at(d.signup_closes_at),
            "cancel_until": at(d.cancel_until),
            "points": str(line.points),
            "channels": d.channels,
            "content": d.content,
        }

    def _typed(self) -> dict[str, str]:
        values = {"kind": str(chosen(self.query_one("#plan-kind", Select)) or "")}
        for name in TEXT_FIELDS:
            for field in self.query(f"#plan-{name}").results(Input):
                values[name] = field.value
        return values

    def action_save(self) -> None:
        self._clear_errors()
        typed = self._typed()
        if self.detail is None:
            form = PlanForm(**{k: (v if v.strip() else None) for k, v in typed.items()})
        else:
            changed = {k: v for k, v in typed.items() if v != self.initial.get(k)}
            if not changed:
                self.notify(self.app.labels("activities.nothing_changed"), markup=False)
                return
            form = PlanForm(**changed)
        self.save(form)

    @desk_work(exclusive=True)
    def save(self, form: PlanForm) -> None:
        app = self.app
        staff = app.touch_session()
        desk = app.usecases.activities
        try:
            if self.detail is None:
                detail = desk.create(staff, form)
            else:
                detail = desk.edit(staff, self.detail.line.code, form)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._saved, detail)

    def _saved(self, detail: ActivityDetail) -> None:
        from workbench.tui.screens.activities import ActivityScreen

        labels = self.app.labels
        state = labels(f"activities.state.{detail.line.state}")
        self.notify(labels("activities.saved", code=detail.line.code, state=state), markup=False)
        self.app.pop_screen()
        if self.detail is None:
            self.app.push_screen(ActivityScreen(detail.line.code))

    def _refused(self, error: Exception) -> None:
        """Beside the field the refusal names (marked, with the cursor), else above the form;
        what was typed stays."""
        message = Text(self.app.labels.error(error))
        if isinstance(error, ValidationError):
            name = ERROR_FIELDS.get(error.field, error.field)
            spots = self.query(f"#plan-{name}-error")
            if spots:
                spots.first(Static).update(message)
                widget = self.query_one(f"#plan-{name}")
                widget.add_class("invalid")
                widget.focus()
                return
        self.query_one("#plan-error", Static).update(message)

    def _clear_errors(self) -> None:
        self.query_one("#plan-error", Static).update("")
        for name in ("kind", *TEXT_FIELDS):
            for spot in self.query(f"#plan-{name}-error").results(Static):
                spot.update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")

    def action_back(self) -> None:
        self.app.pop_screen()


class MemberDeskScreen(WorkbenchScreen[None]):
    """The sign-up desk (`mode` "signup") or the check-in desk ("checkin") of one activity:
    the cursor in the member field from the start; Enter does it, the field is cleared for the
    next member, and what happened is said below it."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, code: str, mode: str) -> None:
        super().__init__()
        assert mode in ("signup", "checkin", "cancel")
        self.code = code
        self.mode = mode
        self.checked_in = 0

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        title = {
            "signup": "activities.signup_title",
            "checkin": "activities.checkin_title",
            "cancel": "activities.cancel_signup_title",
        }[self.mode]
        yield Header()
        with VerticalScroll(id="activity-desk"):
            yield Static(Text(labels(title, code=self.code)), id="desk-title")
            yield Input(placeholder=labels("activities.member_ref"), id="activity-member")
            yield Static("", id="activity-result", markup=False)
            yield Static("", id="activity-count", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#activity-member", Input).focus()

    @on(Input.Submitted, "#activity-member")
    def _entered(self, event: Input.Submitted) -> None:
        ref = event.value.strip()
        if ref and self.mode == "cancel":
            self._ask_to_cancel(ref)
        elif ref:
            self.enter(ref)

    def _ask_to_cancel(self, ref: str) -> None:
        """A cancelled place may go to the waitlist at once: asked first, starting on Cancel."""
        from workbench.tui.screens.actions import ConfirmScreen

        question = self.app.labels("activities.confirm_cancel_signup", ref=ref, code=self.code)

        def answered(yes: bool | None) -> None:
            if yes:
                self.enter(ref)
            else:
                self.query_one("#activity-member", Input).focus()

        self.app.push_screen(ConfirmScreen(question, "activities.cancel_signup_button"), answered)

    @desk_work(exclusive=True)
    def enter(self, ref: str) -> None:
        app = self.app
        staff = app.touch_session()
        desk = app.usecases.activities
        try:
            if self.mode == "signup":
                app.call_from_thread(self._signed_up, desk.sign_up(staff, self.code, ref))
            elif self.mode == "cancel":
                app.call_from_thread(self._cancelled, desk.cancel_signup(staff, self.code, ref))
            else:
                app.call_from_thread(self._checked_in, desk.check_in(staff, self.code, ref))
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)

    def _result(self, text: str, ok: bool) -> None:
        result = self.query_one("#activity-result", Static)
        result.update(member_text(text))
        result.set_class(not ok, "invalid")
        field = self.query_one("#activity-member", Input)
        if ok:
            field.value = ""
        field.focus()

    def _signed_up(self, done: SignedUp) -> None:
        labels = self.app.labels
        who = f"{done.member.member_no} {done.member.masked_name}"
        if done.status == "waitlisted":
            text = labels(
                "activities.waitlisted", who=who, code=done.code, position=done.waitlist_position
            )
        else:
            text = labels("activities.signed_up", who=who, code=done.code)
        if done.already:
            text += labels("activities.already_signed_up")
        self._result(text, True)

    def _cancelled(self, line: SignupLine) -> None:
        who = f"{line.member.member_no} {line.member.masked_name}"
        self._result(self.app.labels("activities.signup_cancelled", who=who, code=self.code), True)

    def _checked_in(self, done: CheckedIn) -> None:
        labels, zone = self.app.labels, self.app.wb.settings.timezone
        who = f"{done.member.member_no} {done.member.masked_name}"
        if done.already:
            at = done.at.astimezone(zone).strftime("%H:%M")
            self._result(labels("activities.already_checked_in", who=who, at=at), True)
            return
        self.checked_in += 1
        self._result(labels("activities.checked_in", who=who, points=done.points), True)
        self.query_one("#activity-count", Static).update(
            Text(labels("activities.checked_in_count", n=self.checked_in))
        )

    def _refused(self, error: Exception) -> None:
        self._result(self.app.labels.error(error), False)

    def action_back(self) -> None:
        self.app.pop_screen()


class ScoreFormScreen(WorkbenchScreen[None]):
    """A participant's satisfaction score told to staff (the same use case as `workbench
    activities score`): the member field has the cursor; Enter goes on to the score, Enter there
    (or Ctrl+S) records it; both fields are cleared for the next participant once recorded."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "save", "Record score")]

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="score-form"):
            yield Static(Text(labels("activities.score_title", code=self.code)), id="score-title")
            yield Label(labels("activities.member_ref"))
            yield Input(id="score-member")
            yield Static("", id="score-member-error", markup=False)
            yield Label(labels("activities.field.score"))
            yield Input(id="score-value", max_length=1)
            yield Static("", id="score-value-error", markup=False)
            yield Static("", id="score-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#score-member", Input).focus()

    @on(Input.Submitted, "#score-member")
    def _next(self) -> None:
        self.query_one("#score-value", Input).focus()

    @on(Input.Submitted, "#score-value")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        for name in ("member", "value"):
            self.query_one(f"#score-{name}-error", Static).update("")
            self.query_one(f"#score-{name}", Input).remove_class("invalid")
        self.query_one("#score-result", Static).update("")
        member = self.query_one("#score-member", Input).value.strip()
        score = self.query_one("#score-value", Input).value.strip()
        self.save(member, score)

    @desk_work(exclusive=True)
    def save(self, member: str, score: str) -> None:
        app = self.app
        staff = app.touch_session()
        try:
            line = app.usecases.activities.record_score(staff, self.code, member, score)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._recorded, line, score)

    def _recorded(self, line: SignupLine, score: str) -> None:
        who = f"{line.member.member_no} {line.member.masked_name}"
        said = self.app.labels("activities.score_recorded", who=who, score=score)
        self.query_one("#score-result", Static).update(member_text(said))
        for name in ("member", "value"):
            self.query_one(f"#score-{name}", Input).value = ""
        self.query_one("#score-member", Input).focus()

    def _refused(self, error: Exception) -> None:
        """A bad score beside the score; anything else (no such member, not a participant)
        beside the member; what was typed stays, the cursor on the field to correct."""
        name = (
            "value" if isinstance(error, ValidationError) and error.field == "score" else "member"
        )
        self.query_one(f"#score-{name}-error", Static).update(Text(self.app.labels.error(error)))
        field = self.query_one(f"#score-{name}", Input)
        field.add_class("invalid")
        field.focus()

    def action_back(self) -> None:
        self.app.pop_screen()


class ReasonFormScreen(WorkbenchScreen[None]):
    """Returning a submitted plan to its planner (`mode` "return") or cancelling the activity
    ("cancel"), with the reason typed: Ctrl+S does it (Enter in the field does nothing more
    than end the line), Escape leaves; a refusal is shown beside the reason, which stays."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "save", "Save reason")]

    def __init__(self, code: str, mode: str) -> None:
        super().__init__()
        assert mode in ("return", "cancel")
        self.code = code
        self.mode = mode

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="reason-form"):
            title = labels(f"activities.{self.mode}_title", code=self.code)
            yield Static(Text(title), id="reason-title")
            yield Label(labels(f"activities.field.{self.mode}_reason"))
            yield Input(id="reason-text", max_length=300)
            yield Static("", id="reason-text-error", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#reason-text", Input).focus()

    def action_save(self) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        self.query_one("#reason-text-error", Static).update("")
        self.query_one("#reason-text", Input).remove_class("invalid")
        reason = self.query_one("#reason-text", Input).value
        if self.mode == "return":
            self.save(reason)
            return

        def answered(yes: bool | None) -> None:  # cancelling tells everyone signed up
            if yes:
                self.save(reason)
            else:
                self.query_one("#reason-text", Input).focus()

        question = self.app.labels("activities.confirm_cancel", code=self.code)
        self.app.push_screen(ConfirmScreen(question, "activities.cancel_button"), answered)

    @desk_work(exclusive=True)
    def save(self, reason: str) -> None:
        app = self.app
        staff = app.touch_session()
        desk = app.usecases.activities
        try:
            if self.mode == "return":
                desk.return_plan(staff, self.code, reason)
                said = app.labels("activities.returned", code=self.code)
            else:
                _, told = desk.cancel_activity(staff, self.code, reason)
                said = app.labels("activities.cancelled", code=self.code, told=told)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._done, said)

    def _done(self, said: str) -> None:
        self.notify(said, markup=False)
        self.app.pop_screen()

    def _refused(self, error: Exception) -> None:
        self.query_one("#reason-text-error", Static).update(Text(self.app.labels.error(error)))
        field = self.query_one("#reason-text", Input)
        field.add_class("invalid")
        field.focus()

    def action_back(self) -> None:
        self.app.pop_screen()


class CostFormScreen(WorkbenchScreen[None]):
    """What the activity actually cost, recorded by its planner after it (the same use case
    as `workbench activities cost`): Enter or Ctrl+S records it; a refusal is shown beside
    the amount, which stays."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "save", "Record cost")]

    def __init__(self, code: str, current: Decimal | None) -> None:
        super().__init__()
        self.code = code
        self.current = current

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="cost-form"):
            yield Static(Text(labels("activities.cost_title", code=self.code)), id="cost-title")
            yield Label(labels("activities.field.actual_cost"))
            value = "" if self.current is None else f"{self.current:.2f}"
            yield Input(value, id="cost-amount", max_length=16)
            yield Static("", id="cost-amount-error", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#cost-amount", Input).focus()

    @on(Input.Submitted, "#cost-amount")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.query_one("#cost-amount-error", Static).update("")
        self.query_one("#cost-amount", Input).remove_class("invalid")
        self.save(self.query_one("#cost-amount", Input).value)

    @desk_work(exclusive=True)
    def save(self, amount: str) -> None:
        app = self.app
        try:
            detail = app.usecases.activities.record_cost(app.touch_session(), self.code, amount)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self._saved, detail)

    def _saved(self, detail: ActivityDetail) -> None:
        cost = f"{detail.actual_cost:.2f}" if detail.actual_cost is not None else "-"
        self.notify(
            self.app.labels("activities.cost_recorded", code=self.code, cost=cost), markup=False
        )
        self.app.pop_screen()

    def _refused(self, error: Exception) -> None:
        self.query_one("#cost-amount-error", Static).update(Text(self.app.labels.error(error)))
        field = self.query_one("#cost-amount", Input)
        field.add_class("invalid")
        field.focus()

    def action_back(self) -> None:
        self.app.pop_screen()
