"""The complaint service: intake, every step of the workflow recorded, SLA clocks kept current,
access grants for the handler. Methods take the session and the acting staff member; the caller
commits, so a step and everything it causes land together."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.complaints.calendar import BusinessCalendar
from workbench.complaints.models import Complaint, ComplaintEvent, ComplaintLink, Notification
from workbench.complaints.policy import ComplaintPolicy, SlaTargets
from workbench.complaints.queries import DESK_ROLES
from workbench.complaints.sla import ClockName, RunningClock, SlaClock, next_rung_at
from workbench.complaints.states import OPEN_STATES, Action, State, allowed_actions, next_state
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import NotFound, PermissionDenied, ValidationError
from workbench.masking.text import refuse_unsafe
from workbench.members.identity import normalise_email, normalise_phone
from workbench.members.models import Member, Role, Staff, Store
from workbench.members.numbers import random_complaint_no
from workbench.members.ports import MemberNotices, StaffNotices
from workbench.members.registry import MemberRegistry
from workbench.permissions.access import MemberAccess, Purpose, serves_member
from workbench.permissions.models import GrantSource

CHANNELS = ("hotline", "online_form", "email", "social", "store")
LINK_KINDS = ("call", "message", "callback")
SUPERVISORS = {Role.SUPERVISOR, Role.ADMIN}
HANDLERS = {Role.AGENT, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.STORE_MANAGER, Role.ADMIN}
TEXT_READERS = {Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.ADMIN}
HANDLER_GRANT = timedelta(days=30)


@dataclass
class ComplaintIntake:
    channel: str
    category: str
    description: str
    priority: str = "normal"
    member_no: str | None = None
    contact: str | None = None  # how to reach a caller who is not a member
    store_code: str | None = None


class FollowUp(Protocol):
    """Schedules the follow-up call after a low score (the callback service); the task's id, or
    None where the member may not be called."""

    def __call__(self, session: Session, complaint: Complaint) -> int | None: ...


class ComplaintService:
    def __init__(
        self,
        *,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        access: MemberAccess,
        policy: ComplaintPolicy,
        notify: MemberNotices,
        notify_staff: StaffNotices,
        follow_up: FollowUp,
        phone_region: str = "CN",
    ) -> None:
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.access = access
        self.policy = policy
        self.phone_region = phone_region
        # Member notices and staff e-mails go through the messaging outbox; the follow-up call
        # after a low score is scheduled by the callback service. Both depend on this package.
        self.notify = notify
        self.notify_staff = notify_staff
        self.follow_up = follow_up

    # Reading ------------------------------------------------------------------------------------
    def get(self, session: Session, complaint_no: str) -> Complaint:
        complaint = session.scalar(
            select(Complaint).where(col(Complaint.complaint_no) == complaint_no.strip().upper())
        )
        if complaint is None:
            raise NotFound(f"no complaint {complaint_no!r}")
        return complaint

    def history(self, session: Session, complaint: Complaint) -> list[ComplaintEvent]:
        query = select(ComplaintEvent).where(col(ComplaintEvent.complaint_id) == complaint.id)
        return list(session.scalars(query.order_by(col(ComplaintEvent.id))))

    def allowed(self, complaint: Complaint) -> list[Action]:
        return allowed_actions(State(complaint.state))

    def can_read_text(self, actor: Staff, complaint: Complaint) -> bool:
        """Descriptions and notes are the member's words: handler, receiver and managers only."""
        return actor.role in TEXT_READERS or actor.id in (
            complaint.handler_id,
            complaint.received_by_id,
        )

    def read_text(
        self, actor: Staff, complaint: Complaint, stored: str | None, field: str = "complaint.text"
    ) -> str | None:
        if not self.can_read_text(actor, complaint):
            raise PermissionDenied("only the handler and managers read a complaint's text")
        return self.cipher.decrypt(field, stored)

    # Intake -------------------------------------------------------------------------------------
    def open(self, session: Session, *, intake: ComplaintIntake, actor: Staff) -> Complaint:
        if intake.channel not in CHANNELS:
            raise ValidationError("channel", f"one of {', '.join(CHANNELS)}")
        category = self.policy.check("category", intake.category)
        priority = self.policy.check("priority", intake.priority)
        description = refuse_unsafe(
            (intake.description or "").strip(), "description", multiline=True
        )
        if not description:
            raise ValidationError("description", "say what the complaint is about")
        if len(description) > 4000:
            raise ValidationError("description", "at most 4000 characters")
        member, contact = None, None
        if intake.member_no:
            member = self._member_in_reach(session, actor, intake.member_no)
        else:
            contact = self._contact(intake.contact)
        store_id = member.store_id if member else None
        if intake.store_code:
            store = session.scalar(select(Store).where(col(Store.code) == intake.store_code))
            if store is None:
                raise ValidationError("store", f"no store with code {intake.store_code!r}")
            store_id = store.id
        now = self.clock.now()
        complaint = Complaint(
            complaint_no=self._new_number(session),
            member_id=member.id if member else None,
            contact_enc=self.cipher.encrypt("complaint.contact", contact),
            channel=intake.channel,
            category=category,
            priority=priority,
            store_id=store_id,
            description_enc=self.cipher.encrypt("complaint.text", description),
            state=State.RECEIVED.value,
            received_at=now,
            received_by_id=actor.id,
            round_started_at=now,
        )
        session.add(complaint)
        session.flush()
        self._reschedule(session, complaint)
        self._record(session, complaint, "received", None, actor, data={"channel": intake.channel})
        return complaint

    def _member_in_reach(self, session: Session, actor: Staff, member_no: str) -> Member:
        """The member a complaint is opened about, if `actor` may take one for them: whoever
        the access layer lets see the member, and the complaint desk for the stores it serves
        (`readable_by`'s rule). Else refused in the words of an unknown member, audited (that
        entry is committed: the refusal rolls back the rest)."""
        try:
            member: Member | None = self.registry.get(session, member_no)
        except NotFound:
            member = None
        if member is not None and (
            self.access.basis(session, actor, member) is not None
            or (actor.active and actor.role in DESK_ROLES and serves_member(session, actor, member))
        ):
            return member
        self.access.refuse_out_of_reach(
            session, actor, member, Purpose.COMPLAINT, "complaint_open", member_no
        )

    def _contact(self, raw: str | None) -> str:
        text = refuse_unsafe((raw or "").strip(), "contact")
        email = normalise_email(text) if "@" in text else None
        if email is not None:
            return email
        if not text:
            raise ValidationError("contact", "a member number, or a phone or e-mail to reply to")
        return normalise_phone(text, self.phone_region, mobile_only=False)

    def _new_number(self, session: Session) -> str:
        while True:
            number = random_complaint_no()
            if (
                session.scalar(
                    select(col(Complaint.id)).where(col(Complaint.complaint_no) == number)
                )
                is None
            ):
                return number

    # Workflow steps -----------------------------------------------------------------------------
    def assign(
        self,
        session: Session,
        *,
        complaint_no: str,
        department: str,
        actor: Staff,
        handler: Staff | None = None,
        note: str = "",
    ) -> Complaint:
        department = self.policy.check("department", department)
        if handler is not None and (handler.role not in HANDLERS or not handler.active):
            raise ValidationError("handler", f"{handler.username} cannot handle complaints")
        complaint = self.get(session, complaint_no)
        self._step(
            session,
            complaint,
            Action.ASSIGN,
            actor,
            note,
            data={"department": department, "handler": handler.id if handler else None},
        )
        complaint.department = department
        if handler is not None and handler.id != complaint.handler_id:
            self._end_handler_grant(session, complaint)
            complaint.handler_id = handler.id
            if complaint.member_id is not None:
                now = self.clock.now()
                self.access.open_grant(
                    session,
                    staff_id=saved_id(handler),
                    member_id=complaint.member_id,
                    source=GrantSource.TICKET,
                    source_ref=complaint.complaint_no,
                    starts_at=now,
                    ends_at=now + HANDLER_GRANT,
                    reason=f"complaint {complaint.complaint_no}",
                )
        return complaint

    def investigate(
        self, session: Session, *, complaint_no: str, actor: Staff, note: str = ""
    ) -> Complaint:
        complaint = self.get(session, complaint_no)
        self._step(session, complaint, Action.INVESTIGATE, actor, note)
        return complaint

    def propose(
        self,
        session: Session,
        *,
        complaint_no: str,
        root_cause: str,
        responsible_party: str,
        plan: str,
        actor: Staff,
    ) -> Complaint:
        """Leaving the investigation needs the root cause and the responsible party."""
        cause = self.policy.check("cause", root_cause)
        party = refuse_unsafe((responsible_party or "").strip(), "responsible_party")
        if not party:
            raise ValidationError("responsible_party", "name who is responsible")
        plan = refuse_unsafe((plan or "").strip(), "plan", multiline=True)
        if not plan:
            raise ValidationError("plan", "write the resolution plan")
        complaint = self.get(session, complaint_no)
        self._step(
            session,
            complaint,
            Action.PROPOSE,
            actor,
            plan,
            data={"root_cause": cause, "responsible_party": party[:100]},
        )
        complaint.root_cause = cause
        complaint.responsible_party = party[:100]
        complaint.resolution_enc = self.cipher.encrypt("complaint.text", plan)
        return complaint

    def approve(
        self, session: Session, *, complaint_no: str, actor: Staff, note: str = ""
    ) -> Complaint:
        _require(actor, SUPERVISORS, "approve a resolution")
        complaint = self.get(session, complaint_no)
        self._step(session, complaint, Action.APPROVE, actor, note)
        return complaint

    def reject(self, session: Session, *, complaint_no: str, actor: Staff, note: str) -> Complaint:
        _require(actor, SUPERVISORS, "reject a resolution")
        if not (note or "").strip():
            raise ValidationError("note", "say why the plan is rejected")
        complaint = self.get(session, complaint_no)
        self._step(session, complaint, Action.REJECT, actor, note)
        return complaint

    def inform(
        self, session: Session, *, complaint_no: str, actor: Staff, note: str = ""
    ) -> Complaint:
        complaint = self.get(session, complaint_no)
        self._step(session, complaint, Action.INFORM, actor, note)
        self._member_contacted(session, complaint)
        if complaint.member_id is not None:
            member = session.get(Member, complaint.member_id)
            if member is None:  # members are never deleted: only a damaged database gets here
                raise NotFound(f"no member {complaint.member_id} for {complaint.complaint_no}")
            self.notify(
                session,
                member,
                "complaint_update",
                complaint_id=complaint.id,
                extra={
                    "complaint_no": complaint.complaint_no,
                    "update": (note or "").strip()[:200] or "-",
                },
            )
            self.notify(
                session,
                member,
                "satisfaction_survey",
                complaint_id=complaint.id,
                extra={"complaint_no": complaint.complaint_no},
            )
        return complaint

    def record_satisfaction(
        self,
        session: Session,
        *,
        complaint_no: str,
        score: int,
        actor: Staff | None,
        note: str = "",
    ) -> Complaint:
        """A score from the agent's call or the member's SMS reply (1–5). Satisfied closes the
        complaint; not satisfied handles it again in a new round, with a follow-up asked for."""
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise ValidationError("score", "a whole number from 1 to 5")
        complaint = self.get(session, complaint_no)
        satisfied = score >= self.policy.satisfied_from
        action = Action.SATISFIED if satisfied else Action.NOT_SATISFIED
        self._step(session, complaint, action, actor, note, data={"score": score})
        complaint.satisfaction = score
        if not satisfied:
            complaint.round += 1
            complaint.round_started_at = self.clock.now()
            complaint.escalation_level = complaint.resolution_level = 0
            complaint.sla_paused_seconds = 0
            complaint.paused_since = None
            self._restart_reply_clock(complaint)  # the member's verdict wants an answer
            self._reschedule(session, complaint)
            self._notify(
                session,
                complaint.handler_id,
                complaint,
                "follow_up",
                f"{complaint.complaint_no}: member not satisfied (score {score}); "
                f"round {complaint.round}: call the member back",
            )
            if complaint.member_id is not None:
                self._follow_up(session, complaint, actor)
        return complaint

    def _follow_up(self, session: Session, complaint: Complaint, actor: Staff | None) -> None:
        """The follow-up call is linked to the complaint; when there can be none (the member
        asked never to be called) that is recorded, so the handler knows to write instead."""
        task_id = self.follow_up(session, complaint)
        if task_id is not None:
            self.link(session, complaint=complaint, kind="callback", ref=str(task_id))
            return
        self._record(
            session,
            complaint,
            "follow_up_not_scheduled",
            complaint.state,
            None,
            data={"why": "do_not_call"},
        )
        self._notify(
            session,
            complaint.handler_id,
            complaint,
            "follow_up",
            f"{complaint.complaint_no}: the member asked not to be called; follow up in writing",
        )

    def close(self, session: Session, *, complaint_no: str, actor: Staff, reason: str) -> Complaint:
        """A supervisor closes a complaint that will not be settled, with the reason recorded."""
        _require(actor, SUPERVISORS, "close a complaint without the member's satisfaction")
        if not (reason or "").strip():
            raise ValidationError("reason", "say why the complaint is closed")
        complaint = self.get(session, complaint_no)
        self._step(session, complaint, Action.CLOSE, actor, reason)
        complaint.closed_reason = reason.strip()[:300]
        return complaint

    # Steps that change no state ------------------------------------------------------------------
    def reply(self, session: Session, *, complaint_no: str, actor: Staff, note: str) -> Complaint:
        """A contact with the member (a call, a message): starts or restarts the reply clocks."""
        if not (note or "").strip():
            raise ValidationError("note", "say what the member was told")
        complaint = self._open(session, complaint_no)
        self._member_contacted(session, complaint)
        self._record(session, complaint, "reply", complaint.state, actor, note)
        return complaint

    def wait_on_member(
        self, session: Session, *, complaint_no: str, actor: Staff, note: str
    ) -> Complaint:
        complaint = self._open(session, complaint_no)
        if complaint.paused_since is not None:
            raise ValidationError("state", "the complaint is already waiting on the member")
        complaint.paused_since = self.clock.now()
        self._reschedule(session, complaint)
        self._record(session, complaint, "waiting_on_member", complaint.state, actor, note)
        return complaint

    def resume(
        self, session: Session, *, complaint_no: str, actor: Staff, note: str = ""
    ) -> Complaint:
        complaint = self._open(session, complaint_no)
        if complaint.paused_since is None:
            raise ValidationError("state", "the complaint is not waiting on the member")
        calendar = self._calendar(session, complaint)
        paused = calendar.between(complaint.paused_since, self.clock.now())
        complaint.sla_paused_seconds += int(paused.total_seconds())
        complaint.paused_since = None
        if complaint.reply_clock_start is not None:
            # The wait is over (the member got back to us): the next reply is due from now.
            self._restart_reply_clock(complaint)
        self._reschedule(session, complaint)
        self._record(
            session,
            complaint,
            "resumed",
            complaint.state,
            actor,
            note,
            data={"paused_seconds": int(paused.total_seconds())},
        )
        return complaint

    def change_priority(
        self, session: Session, *, complaint_no: str, priority: str, actor: Staff
    ) -> Complaint:
        """New targets from the same start; paused time already counted is kept."""
        priority = self.policy.check("priority", priority)
        complaint = self._open(session, complaint_no)
        old = complaint.priority
        complaint.priority = priority
        self._reschedule(session, complaint)
        self._record(
            session,
            complaint,
            "priority",
            complaint.state,
            actor,
            data={"from": old, "to": priority},
        )
        return complaint

    def link(self, session: Session, *, complaint: Complaint, kind: str, ref: str) -> ComplaintLink:
        """Links a record to the complaint once (linking it again returns the same link)."""
        if kind not in LINK_KINDS:
            raise ValidationError("kind", f"one of {', '.join(LINK_KINDS)}")
        ref = str(ref)[:64]
        existing = session.scalar(
            select(ComplaintLink).where(
                col(ComplaintLink.complaint_id) == complaint.id,
                col(ComplaintLink.kind) == kind,
                col(ComplaintLink.ref) == ref,
            )
        )
        if existing is not None:
            return existing
        link = ComplaintLink(
            complaint_id=saved_id(complaint), kind=kind, ref=ref, created_at=self.clock.now()
        )
        session.add(link)
        return link

    # Internals ---------------------------------------------------------------------------------------
    def _open(self, session: Session, complaint_no: str) -> Complaint:
        complaint = self.get(session, complaint_no)
        if State(complaint.state) not in OPEN_STATES:
            raise ValidationError("state", f"complaint {complaint.complaint_no} is closed")
        return complaint

    def _step(
        self,
        session: Session,
        complaint: Complaint,
        action: Action,
        actor: Staff | None,
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        before = State(complaint.state)
        after = next_state(before, action)  # raises InvalidTransition naming the allowed ones
        complaint.state = after.value
        if after == State.CLOSED:
            complaint.closed_at = self.clock.now()
            complaint.paused_since = None
            self._end_handler_grant(session, complaint)
        self._reschedule(session, complaint)
        self._record(session, complaint, action.value, before.value, actor, note, data=data)

    def _record(
        self,
        session: Session,
        complaint: Complaint,
        action: str,
        before: str | None,
        actor: Staff | None,
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        # Every step's note (reasons, replies, updates) is checked here, before it is stored.
        note = refuse_unsafe((note or "").strip(), "note", multiline=True)
        session.add(
            ComplaintEvent(
                complaint_id=saved_id(complaint),
                action=action,
                from_state=before,
                to_state=complaint.state,
                round=complaint.round,
                at=self.clock.now(),
                staff_id=actor.id if actor else None,
                note_enc=self.cipher.encrypt("complaint.text", note[:4000]) if note else None,
                data=json.dumps(data, ensure_ascii=False) if data else "",
            )
        )

    def _member_contacted(self, session: Session, complaint: Complaint) -> None:
        """A contact stops the first-response clock and (re)starts the next-reply one."""
        now = self.clock.now()
        if complaint.first_response_at is None:
            complaint.first_response_at = now
        complaint.last_reply_at = now
        self._restart_reply_clock(complaint)
        self._reschedule(session, complaint)

    def _restart_reply_clock(self, complaint: Complaint) -> None:
        complaint.reply_clock_start = self.clock.now()
        complaint.next_reply_level = 0

    def _calendar(self, session: Session, complaint: Complaint) -> BusinessCalendar:
        if complaint.store_id is None:
            return self.policy.calendar
        store = session.get(Store, complaint.store_id)  # from the identity map after the first
        if store is None:
            return self.policy.calendar
        return self.policy.calendar_for(store.timezone, store.code)

    def _reschedule(self, session: Session, complaint: Complaint) -> None:
        """Recompute due times and the next escalation from the clocks' inputs."""
        calendar = self._calendar(session, complaint)
        targets = self.policy.targets_for(complaint.priority, complaint.category)
        complaint.first_response_due = calendar.add(complaint.received_at, targets.first_response)
        complaint.resolution_due = self._resolution(complaint, targets).due(calendar)
        running = self.running_clocks(complaint)
        reply = next((c for c in running if c.name == ClockName.NEXT_REPLY), None)
        complaint.next_reply_due = reply.clock.due(calendar) if reply else None
        complaint.next_escalation_at = next_rung_at(running, calendar, self.policy.ladder)

    def running_clocks(self, complaint: Complaint) -> list[RunningClock]:
        """The SLA clocks running on a complaint now, each with the rung it has reached.

        - First response: from receipt until the member is first contacted. Waiting on the
          member does not stop it: the member is owed an answer to the complaint first.
        - Next reply: from each contact until the next one; stopped while waiting on the member
          and once the member has been informed of the result (the member's turn: the score).
        - Resolution: from the start of the round; stopped while waiting on the member.
        None runs on a closed complaint."""
        state = State(complaint.state)
        if state not in OPEN_STATES:
            return []
        targets = self.policy.targets_for(complaint.priority, complaint.category)
        clocks = []
        if complaint.first_response_at is None:
            clocks.append(
                RunningClock(
                    ClockName.FIRST_RESPONSE,
                    SlaClock(complaint.received_at, targets.first_response),
                    complaint.first_response_level,
                )
            )
        if complaint.reply_clock_start is not None and state != State.MEMBER_INFORMED:
            clocks.append(
                RunningClock(
                    ClockName.NEXT_REPLY,
                    SlaClock(
                        complaint.reply_clock_start,
                        targets.next_reply,
                        paused_since=complaint.paused_since,
                    ),
                    complaint.next_reply_level,
                )
            )
        clocks.append(
            RunningClock(
                ClockName.RESOLUTION,
                self._resolution(complaint, targets),
                complaint.resolution_level,
            )
        )
        return clocks

    def _resolution(self, complaint: Complaint, targets: SlaTargets) -> SlaClock:
        return SlaClock(
            complaint.round_started_at,
            targets.resolution,
            timedelta(seconds=complaint.sla_paused_seconds),
            complaint.paused_since,
        )

    def _end_handler_grant(self, session: Session, complaint: Complaint) -> None:
        self.access.end_grants(
            session, source=GrantSource.TICKET, source_ref=complaint.complaint_no
        )

    def _notify(
        self, session: Session, staff_id: int | None, complaint: Complaint, kind: str, message: str
    ) -> None:
        if staff_id is not None:
            session.add(
                Notification(
                    staff_id=staff_id,
                    kind=kind,
                    complaint_id=complaint.id,
                    message=message[:300],
                    created_at=self.clock.now(),
                )
            )


def _require(actor: Staff, roles: set[Role], action: str) -> None:
    if actor.role not in roles:
        raise PermissionDenied(f"only supervisors may {action}; {actor.username} is {actor.role}")


def local_time(at: datetime | None, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "-"
