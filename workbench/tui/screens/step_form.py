"""The small form a complaint step needs (a department, a plan, a score, a reason…), and the
one place that maps a step to its service call."""

from __future__ import annotations

from sqlalchemy import select
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from workbench.errors import NotFound, ValidationError
from workbench.members.models import Staff

# step -> the inputs it asks for (empty: no form)
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "assign": ("department", "handler", "note"),
    "investigate": (),
    "propose_resolution": ("cause", "party", "plan"),
    "approve_resolution": (),
    "reject_resolution": ("note",),
    "inform_member": ("note",),
    "satisfaction": ("score", "note"),
    "supervisor_close": ("reason",),
    "reply": ("note",),
    "wait": ("note",),
    "resume": (),
}


class StepFormScreen(ModalScreen[dict | None]):
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
                    yield Select([(d.label(language), d.code) for d in policy.departments.values()],
                                 id="step-department")  # fmt: skip
                elif name == "cause":
                    yield Label(labels("complaint.cause"))
                    yield Select([(c.label(language), c.code) for c in policy.causes.values()],
                                 id="step-cause")  # fmt: skip
                elif name == "score":
                    yield Label(labels("complaint.score"))
                    yield Select([(str(n), n) for n in range(5, 0, -1)], id="step-score")
                else:
                    label = {"handler": "complaint.handler", "party": "complaint.party",
                             "plan": "complaint.plan", "note": "complaint.note",
                             "reason": "complaint.reason"}[name]  # fmt: skip
                    yield Input(placeholder=labels(label), id=f"step-{name}")
            with Horizontal():
                yield Button(labels("complaint.submit"), variant="primary", id="step-submit")
                yield Button(labels("complaint.cancel"), id="step-cancel")

    @on(Button.Pressed, "#step-submit")
    @on(Input.Submitted)
    def _submit(self) -> None:
        values = {}
        for name in STEP_FIELDS[self.step]:
            widget = self.query_one(f"#step-{name}")
            value = widget.value
            values[name] = None if value is Select.BLANK else value
        self.dismiss(values)

    @on(Button.Pressed, "#step-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def perform_step(wb, staff: Staff, complaint_no: str, step: str, values: dict) -> None:
    """Run one step through the complaint service and commit it."""
    service = wb.complaints
    note = (values.get("note") or "").strip()
    with wb.sessions() as session:
        if step == "assign":
            handler = None
            if values.get("handler"):
                handler = session.scalar(select(Staff).where(Staff.username == values["handler"]))
                if handler is None:
                    raise NotFound(f"no staff member {values['handler']!r}")
            service.assign(session, complaint_no=complaint_no, department=values.get("department"),
                           handler=handler, actor=staff, note=note)  # fmt: skip
        elif step == "investigate":
            service.investigate(session, complaint_no=complaint_no, actor=staff)
        elif step == "propose_resolution":
            service.propose(session, complaint_no=complaint_no, root_cause=values.get("cause"),
                            responsible_party=values.get("party") or "",
                            plan=values.get("plan") or "", actor=staff)  # fmt: skip
        elif step == "approve_resolution":
            service.approve(session, complaint_no=complaint_no, actor=staff)
        elif step == "reject_resolution":
            service.reject(session, complaint_no=complaint_no, actor=staff, note=note)
        elif step == "inform_member":
            service.inform(session, complaint_no=complaint_no, actor=staff, note=note)
        elif step == "satisfaction":
            if values.get("score") is None:
                raise ValidationError("score", "choose a score from 1 to 5")
            service.record_satisfaction(session, complaint_no=complaint_no,
                                        score=int(values["score"]), actor=staff, note=note)  # fmt: skip
        elif step == "supervisor_close":
            service.close(session, complaint_no=complaint_no, actor=staff,
                          reason=values.get("reason") or "")  # fmt: skip
        elif step == "reply":
            service.reply(session, complaint_no=complaint_no, actor=staff, note=note)
        elif step == "wait":
            service.wait_on_member(session, complaint_no=complaint_no, actor=staff, note=note)
        elif step == "resume":
            service.resume(session, complaint_no=complaint_no, actor=staff, note=note)
        else:
            raise ValidationError("step", f"unknown step {step!r}")
        session.commit()
