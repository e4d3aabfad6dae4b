"""The small form a complaint step needs (a department, a plan, a score, a reason…). The form
takes the step through the complaint use cases itself and closes only when it is taken: a
refusal (a missing note, a bad handler) is shown under the form, which keeps what was typed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workbench.errors import ValidationError
from workbench.tui.base import WorkbenchModal
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.work import desk_work
from workbench.usecases.complaints import STEP_FIELDS
from workbench.views.complaints import ComplaintCard

# What the form returns: text, a chosen code or score, None where a select was left alone.
StepFormValues = dict[str, str | int | None]


class StepFormScreen(WorkbenchModal[ComplaintCard | None]):
    """Dismissed with the complaint as the step left it, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, complaint_no: str, step: str) -> None:
        super().__init__()
        self.complaint_no = complaint_no
        self.step = step

    def compose(self) -> ComposeResult:
        labels, policy = self.app.labels, self.app.wb.complaint_policy
        language = labels.language
        with Vertical(id="step-form"):
            yield Label(labels(f"step.{self.step}"))
            for name in STEP_FIELDS[self.step]:
                if name == "department":
                    yield Label(labels("complaint.department"))
                    yield Select(
                        [(d.label(language), d.code) for d in policy.departments.values()],
                        prompt=labels("select.blank"),
                        id="step-department",
                    )
                elif name == "cause":
                    yield Label(labels("complaint.cause"))
                    yield Select(
                        [(c.label(language), c.code) for c in policy.causes.values()],
                        prompt=labels("select.blank"),
                        id="step-cause",
                    )
                elif name == "score":
                    yield Label(labels("complaint.score"))
                    yield Select(
                        [(str(n), n) for n in range(5, 0, -1)],
                        prompt=labels("select.blank"),
                        id="step-score",
                    )
                else:
                    label = {
                        "handler": "complaint.handler",
                        "party": "complaint.party",
                        "plan": "complaint.plan",
                        "note": "complaint.note",
                        "reason": "complaint.reason",
                    }[name]
                    yield Input(placeholder=labels(label), id=f"step-{name}")
            yield Static("", id="step-error", markup=False)
            with Horizontal():
                yield Button(labels("complaint.submit"), variant="primary", id="step-submit")
                yield Button(labels("complaint.cancel"), id="step-cancel")

    @on(Button.Pressed, "#step-submit")
    @on(Input.Submitted)
    def _submit(self) -> None:
        values: StepFormValues = {}
        for name in STEP_FIELDS[self.step]:
            widget = self.query_one(f"#step-{name}")
            if isinstance(widget, Select):
                values[name] = chosen(widget)
            elif isinstance(widget, Input):
                values[name] = widget.value
        self.query_one("#step-error", Static).update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        self.take(values)

    def on_mount(self) -> None:
        # The first field has the cursor: what is typed goes into the form, nowhere else.
        fields = self.query("#step-form Input, #step-form Select")
        if fields:
            fields.first().focus()
        else:
            self.query_one("#step-cancel", Button).focus()

    @desk_work(exclusive=True, group="step")
    def take(self, values: StepFormValues) -> None:
        app = self.app
        staff = app.touch_session()
        try:
            card = app.usecases.complaints.take_step(staff, self.complaint_no, self.step, values)
        except ValidationError as error:  # the form stays open with what was typed
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._taken, card)

    def _taken(self, card: ComplaintCard) -> None:
        # Not `call_from_thread(self.dismiss, …)`: that would wait for the screen to close,
        # which waits for this worker to end.
        self.dismiss(card)

    def _invalid(self, error: ValidationError) -> None:
        inputs = {name: f"#step-{name}" for name in STEP_FIELDS[self.step]}
        show_invalid(self, error, message="#step-error", inputs=inputs)

    @on(Button.Pressed, "#step-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
