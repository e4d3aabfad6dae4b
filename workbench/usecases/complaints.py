"""What staff do with complaints: open one (with the call it came on, in the same transaction),
read its card, take a step of the workflow, list the open ones, run the escalation sweep and
read the figures."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.complaints.analytics import ComplaintReport
from workbench.complaints.escalation import SweepResult, sweep_batch
from workbench.complaints.models import Complaint
from workbench.complaints.queries import (
    OpenComplaint,
    UnknownComplaint,
    open_complaints,
    readable_by,
)
from workbench.complaints.reports import ComplaintReports
from workbench.complaints.service import SUPERVISORS, ComplaintIntake, ComplaintService
from workbench.errors import NotFound, ValidationError
from workbench.members.models import Role, Staff
from workbench.permissions.access import serves_all_stores
from workbench.telephony.desk import attach_call
from workbench.usecases.base import UnitOfWork, require_role
from workbench.views.complaints import ComplaintCard, complaint_card

LIST_ROLES = (Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.ADMIN)
MOST = 10_000
SWEEP_BATCH = 500
SATISFACTION = ("satisfied", "not_satisfied")  # one step: the score says which

# A step of the workflow -> the inputs it takes (empty: none). The screens build their forms
# from this; `take_step` checks what it is given against it.
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
# What a step's form gives: text, a chosen code or score, None where left empty.
StepValues = Mapping[str, str | int | None]
# Steps only some roles may take (the service refuses the others); the rest are open to anyone
# who may read the complaint.
STEP_ROLES: dict[str, frozenset[Role]] = {
    "approve_resolution": frozenset(SUPERVISORS),
    "reject_resolution": frozenset(SUPERVISORS),
    "supervisor_close": frozenset(SUPERVISORS),
}
# Steps that stop or change what the member is owed: they need a note saying why.
NOTE_REQUIRED = {"wait": "say what the complaint is waiting on the member for"}


class ComplaintDesk:
    def __init__(
        self, *, uow: UnitOfWork, complaints: ComplaintService, reports: ComplaintReports
    ) -> None:
        self.uow = uow
        self.complaints = complaints
        self.reports = reports

    def open(self, actor: Staff, intake: ComplaintIntake, *, call_id: int | None = None) -> str:
        """Opens the complaint and, where it came on a call the actor has taken, links that
        call: both commit together or neither does. Returns the complaint's number."""
        with self.uow.write() as session:
            complaint = self.complaints.open(session, intake=intake, actor=actor)
            if call_id is not None:
                attach_call(session, actor, call_id, complaint)
            return complaint.complaint_no

    def card(self, actor: Staff, complaint_no: str) -> ComplaintCard:
        """The complaint as the actor may see it; one they may not read is refused in the words
        of an unknown number."""
        with self.uow.read() as session:
            complaint = self._readable(session, actor, complaint_no)
            return complaint_card(self.complaints, session, complaint.complaint_no, actor)

    def take_step(
        self, actor: Staff, complaint_no: str, step: str, values: StepValues
    ) -> ComplaintCard:
        """One step of the workflow (the service checks the state and the actor's role), then
        the complaint as it now stands."""
        if step not in STEP_FIELDS:
            raise ValidationError("step", f"one of {', '.join(STEP_FIELDS)}")
        with self.uow.write() as session:
            self._readable(session, actor, complaint_no)
            self._step(session, actor, complaint_no, step, values)
        return self.card(actor, complaint_no)

    def steps_allowed(self, actor: Staff, complaint_no: str) -> tuple[str, ...]:
        """The steps (STEP_FIELDS' names) the actor may take on the complaint now: those its
        state allows, less those the actor's role may not take, with a reply and a wait on the
        member (or its end) while it is open. Offered before any form is filled."""
        with self.uow.read() as session:
            complaint = self._readable(session, actor, complaint_no)
            steps: list[str] = []
            for action in self.complaints.allowed(complaint):
                step = "satisfaction" if action.value in SATISFACTION else action.value
                if step not in steps:
                    steps.append(step)
            if complaint.state != "closed":
                steps += ["reply", "resume" if complaint.paused_since is not None else "wait"]
            return tuple(
                step for step in steps if actor.role in STEP_ROLES.get(step, (actor.role,))
            )

    def open_list(self, actor: Staff, *, limit: int = MOST) -> list[OpenComplaint]:
        """Every open complaint, most urgent first: supervisors and department heads."""
        require_role(actor, LIST_ROLES, "list every open complaint")
        with self.uow.read() as session:
            # A branch's supervisor lists their own store's complaints only.
            store_id = None if serves_all_stores(session, actor) else actor.store_id
            return open_complaints(session, store_id=store_id, limit=limit)

    def mine(self, actor: Staff) -> list[OpenComplaint]:
        """The open complaints the actor handles."""
        with self.uow.read() as session:
            return open_complaints(session, handler_id=actor.id)

    def report(
        self,
        actor: Staff,
        *,
        start: datetime,
        end: datetime,
        store_code: str | None = None,
        export: bool = False,
    ) -> ComplaintReport:
        return self.reports.report(
            actor, start=start, end=end, store_code=store_code, export=export
        )

    def board(self, actor: Staff) -> tuple[dict[str, int | None], list[OpenComplaint]]:
        return self.reports.board(actor)

    def sweep(self, *, batch_size: int = SWEEP_BATCH) -> SweepResult:
        """Escalates the complaints whose next rung is due; run by the scheduler (and by hand),
        safe to run again or twice at once. One transaction per batch, so a long sweep holds
        the write lock a batch at a time."""
        complaints = escalations = 0
        while True:
            with self.uow.write() as session:
                done, steps = sweep_batch(session, self.complaints, batch_size)
            complaints += done
            escalations += steps
            if done < batch_size:
                return SweepResult(complaints, escalations)

    def _readable(self, session: Session, actor: Staff, complaint_no: str) -> Complaint:
        try:
            complaint = self.complaints.get(session, complaint_no)
        except NotFound:
            raise UnknownComplaint(complaint_no) from None
        if not readable_by(session, actor, complaint):
            raise UnknownComplaint(complaint_no)
        return complaint

    def _step(
        self, session: Session, actor: Staff, number: str, step: str, values: StepValues
    ) -> None:
        service = self.complaints
        note = _text(values, "note").strip()
        if step in NOTE_REQUIRED and not note:
            raise ValidationError("note", NOTE_REQUIRED[step])
        if step == "assign":
            handler = None
            if values.get("handler"):
                handler = session.scalar(
                    select(Staff).where(col(Staff.username) == values["handler"])
                )
                if handler is None:
                    raise NotFound(f"no staff member {values['handler']!r}")
            service.assign(
                session,
                complaint_no=number,
                department=_text(values, "department"),
                handler=handler,
                actor=actor,
                note=note,
            )
        elif step == "investigate":
            service.investigate(session, complaint_no=number, actor=actor)
        elif step == "propose_resolution":
            service.propose(
                session,
                complaint_no=number,
                root_cause=_text(values, "cause"),
                responsible_party=_text(values, "party"),
                plan=_text(values, "plan"),
                actor=actor,
            )
        elif step == "approve_resolution":
            service.approve(session, complaint_no=number, actor=actor)
        elif step == "reject_resolution":
            service.reject(session, complaint_no=number, actor=actor, note=note)
        elif step == "inform_member":
            service.inform(session, complaint_no=number, actor=actor, note=note)
        elif step == "satisfaction":
            score = values.get("score")
            if score is None:
                raise ValidationError("score", "choose a score from 1 to 5")
            service.record_satisfaction(
                session, complaint_no=number, score=int(score), actor=actor, note=note
            )
        elif step == "supervisor_close":
            reason = _text(values, "reason")
            service.close(session, complaint_no=number, actor=actor, reason=reason)
        elif step == "reply":
            service.reply(session, complaint_no=number, actor=actor, note=note)
        elif step == "wait":
            service.wait_on_member(session, complaint_no=number, actor=actor, note=note)
        elif step == "resume":
            service.resume(session, complaint_no=number, actor=actor, note=note)


def _text(values: StepValues, name: str) -> str:
    """A form value as text, "" where it was left empty (the service says what is missing)."""
    value = values.get(name)
    return "" if value is None else str(value)
