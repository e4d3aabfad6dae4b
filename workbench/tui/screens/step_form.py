"""The small form a complaint step needs (a department, a plan, a score, a reason…); the step
itself is taken by the complaint use cases."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select

from workbench.tui.base import WorkbenchModal
from workbench.tui.widgets.form import chosen
from workbench.usecases.complaints import STEP_FIELDS

# What the form returns: text, a chosen code or score, None where a select was left alone.
StepFormValues = dict[str, str | int | None]


class StepFormScreen(WorkbenchModal[StepFormValues | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, step: str) -> None:
        super().__init__()
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
                        id="step-department",
                    )
                elif name == "cause":
                    yield Label(labels("complaint.cause"))
                    yield Select(
                        [(c.label(language), c.code) for c in policy.causes.values()],
                        id="step-cause",
                    )
                elif name == "score":
                    yield Label(labels("complaint.score"))
                    yield Select([(str(n), n) for n in range(5, 0, -1)], id="step-score")
                else:
                    label = {
                        "handler": "complaint.handler",
                        "party": "complaint.party",
                        "plan": "complaint.plan",
                        "note": "complaint.note",
                        "reason": "complaint.reason",
                    }[name]
                    yield Input(placeholder=labels(label), id=f"step-{name}")
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
        self.dismiss(values)

    @on(Button.Pressed, "#step-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
