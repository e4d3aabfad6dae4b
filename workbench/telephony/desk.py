"""What agents do with calls: see who is calling (masked), take a call (one agent wins; the
take gives that agent a serving scope on the caller's member record for the call), hold and
resume it, transfer it to the supervisor or a department queue, end it, link it to a
complaint, and place a callback. Holding, resuming and ending ask Twilio (a redirect of the
caller's leg, a hang-up); the call's status comes back from Twilio's status callbacks
(telephony/hotline.py), so the call log says what happened.

Every method takes the acting staff member; the member data a call opens is read through the
access layer with the grant taken here, which the call's end revokes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, cast
from zoneinfo import ZoneInfo

from sqlalchemy import case, select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.callbacks.models import CallbackTask, TaskStatus
from workbench.clock import Clock, as_utc
from workbench.complaints.models import Complaint
from workbench.crypto import FieldCipher
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from workbench.masking.fields import MASKERS
from workbench.masking.text import refuse_unsafe
from workbench.members.models import Member, Role, Staff
from workbench.members.registry import MemberApplication, MemberRegistry
from workbench.permissions.access import MemberAccess, serves_member
from workbench.permissions.models import GrantSource
from workbench.telephony import presence
from workbench.telephony.events import CallEvents
from workbench.telephony.models import DISPOSITIONS, ENDED, Call, Direction
from workbench.telephony.presence import Presence
from workbench.telephony.presence_models import AgentState

if TYPE_CHECKING:
    from workbench.telephony import twiml
    from workbench.telephony.voice import VoiceClient

CALL_ROLES = (Role.AGENT, Role.SUPERVISOR)
WAITING_HORIZON = timedelta(hours=4)  # no caller waits longer: an older open call lost its end


@dataclass(frozen=True)
class CallView:
    """An incoming call as the banner shows it: the number masked, no member data."""

    call_id: int
    caller: str  # masked: 138****5678, or "withheld"
    known_member: bool
    queue: str | None
    status: str
    started_at: datetime
    agent_id: int | None


@dataclass(frozen=True)
class ActiveCall:
    """The call an agent is on, as their call bar shows it: the number masked, the member's
    number or none (a new caller), no other member data."""

    call_id: int
    direction: str
    caller: str  # masked, or "withheld"
    member_no: str | None  # None: a new caller
    state: str  # ringing, in_progress, on_hold or ended (see CALL_BAR_STATES)
    talk_since: datetime | None  # the agent's leg answered: the talk timer's start
    hold_since: datetime | None
    hold_seconds: int  # the holds that have ended
    queue: str | None

    def talk_seconds(self, now: datetime) -> float:
        """The talk timer at `now` (0 until the agent's leg answered)."""
        return (now - self.talk_since).total_seconds() if self.talk_since else 0

    def held_seconds(self, now: datetime) -> int:
        """The hold timer at `now`: the holds that ended and the one going on."""
        held = self.hold_seconds
        if self.hold_since is not None:
            held += int((now - self.hold_since).total_seconds())
        return held


def clock_text(seconds: float) -> str:
    """A timer as the call bar shows it: MM:SS, or H:MM:SS past an hour."""
    minutes, seconds = divmod(max(int(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


CALL_BAR_STATES = ("ringing", "in_progress", "on_hold", "ended")


@dataclass(frozen=True)
class TakenCall:
    call_id: int
    member_id: int | None  # None: a new caller, to be registered
    member_no: str | None
    grant_until: datetime | None  # the serving scope the call gives


class CallerApplication(TypedDict):
    """What the registration form asks a caller; the number is the one they called from."""

    name: str
    id_number: str
    email: str | None
    address: str | None
    store_code: str


class CallDesk:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        cipher: FieldCipher,
        registry: MemberRegistry,
        access: MemberAccess,
        voice: VoiceClient | None,
        hotline_voice: twiml.Voice,
        events: CallEvents,
        transfer_queues: tuple[str, ...],
        grant_minutes: int,
        agent_endpoint: str,
        wrap_up_seconds: int = 120,
        priority_queue: str = "",
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.cipher = cipher
        self.registry = registry
        self.access = access
        self.agent_endpoint = agent_endpoint
        self.voice = voice  # TwilioVoice, or None where no Twilio account is configured
        self.urls = hotline_voice  # twiml.Voice: the public URLs
        self.events = events
        self.transfer_queues = transfer_queues
        self.priority_queue = priority_queue  # members' calls: taken before the others
        self.grant_window = timedelta(minutes=grant_minutes)
        # Past it the state log shows the wrap-up overran; nothing is blocked.
        self.wrap_up_limit = timedelta(seconds=wrap_up_seconds)

    def view(self, actor: Staff, call_id: int) -> CallView:
        _require_call_role(actor)
        with self.sessions() as session:
            call = self._get(session, call_id)
            return CallView(
                saved_id(call),
                self._masked_party(call),
                call.member_id is not None,
                call.queue,
                call.status,
                call.started_at,
                call.agent_id,
            )

    def waiting(self, actor: Staff) -> list[CallView]:
        """Incoming calls of the last hours nobody has taken yet: the priority queue's first
        (members, telephony/routing.py), then the others, each oldest first."""
        _require_call_role(actor)
        since = self.clock.now() - WAITING_HORIZON
        with self.sessions() as session:
            ids = cast(  # read from the table: an id is never NULL
                Sequence[int],
                session.scalars(
                    select(col(Call.id))
                    .where(
                        col(Call.started_at) >= since,
                        col(Call.direction) == Direction.INBOUND.value,
                        col(Call.agent_id).is_(None),
                        col(Call.status).not_in(ENDED),
                        col(Call.voicemail).is_(False),
                    )
                    .order_by(
                        case((col(Call.queue) == self.priority_queue, 0), else_=1),
                        col(Call.started_at),
                    )
                    .limit(50)
                ).all(),
            )
        return [self.view(actor, call_id) for call_id in ids]

    def take(self, actor: Staff, call_id: int) -> TakenCall:
        _require_call_role(actor)
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            taken = session.execute(
                update(Call)
                .where(
                    col(Call.id) == call_id,
                    col(Call.agent_id).is_(None),
                    col(Call.status).not_in(ENDED),
                )
                .values(agent_id=actor.id)
                .execution_options(synchronize_session=False)
            ).rowcount  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
            call = self._get(session, call_id)
            if not taken:
                raise InvalidState(f"call {call_id} was taken by someone else or has ended")
            # After the call's row lock, as the status callback takes them: no deadlock. An
            # agent who is not available is refused, and the call's update rolls back.
            try:
                presence.set_state(
                    session, saved_id(actor), AgentState.ON_CALL, now, call_id=call.id
                )
            except InvalidState as error:
                raise InvalidState(f"{actor.username} cannot take calls now: {error}") from None
            self._state_event(session, saved_id(actor), AgentState.ON_CALL, call.id)
            member = session.get(Member, call.member_id) if call.member_id else None
            grant_until = None
            if member is not None and serves_member(session, actor, member):
                grant_until = now + self.grant_window
                self.access.open_grant(
                    session,
                    staff_id=saved_id(actor),
                    member_id=saved_id(member),
                    source=GrantSource.CALL,
                    source_ref=call.call_sid,
                    starts_at=now,
                    ends_at=grant_until,
                    reason="serving the caller",
                )
            self.events.publish(
                session, {"type": "taken", "call_id": call.id, "agent_id": actor.id}
            )
            session.commit()
            call_sid = call.call_sid
        if self.voice is not None:
            self.voice.redirect(call_sid, self.urls.url(f"/voice/connect?call={call_id}"))
        return TakenCall(
            call_id,
            member.id if member else None,
            member.member_no if member else None,
            grant_until,
        )

    def handed(self, actor: Staff, call_id: int) -> TakenCall:
        """A live call routing handed to `actor` (their assigned member's): what a take of it
        would have returned."""
        _require_call_role(actor)
        with self.sessions() as session:
            call = self._own_live_call(session, actor, call_id)
            member = session.get(Member, call.member_id) if call.member_id else None
            grant_until = None
            if member is not None:  # the grant routing opened for the call, if it could
                ends = [
                    grant.ends_at
                    for grant in self.access.live_grants(session, saved_id(actor), saved_id(member))
                    if grant.source == GrantSource.CALL and grant.source_ref == call.call_sid
                ]
                grant_until = max(ends, default=None)
            return TakenCall(
                call_id,
                member.id if member else None,
                member.member_no if member else None,
                grant_until,
            )

    def transfer(self, actor: Staff, call_id: int, queue: str) -> None:
        """Hand the caller to the supervisor or a department queue; the agent's scope ends."""
        if queue not in self.transfer_queues:
            raise ValidationError("queue", f"one of {', '.join(self.transfer_queues)}")
        with immediate_session(self.sessions) as session:
            call = self._own_live_call(session, actor, call_id, lock=True)
            end_hold(call, self.clock.now())  # the caller leaves the hold for the queue
            call.queue, call.agent_id = queue, None
            self.access.end_grants(session, source=GrantSource.CALL, source_ref=call.call_sid)
            # The call left the agent: they wrap it up (disposition "transferred").
            self._move_if_on(session, saved_id(actor), call, AgentState.WRAP_UP)
            self.events.publish(session, {"type": "incoming", "call_id": call.id})
            session.commit()
            call_sid = call.call_sid
        if self.voice is not None:
            self.voice.redirect(call_sid, self.urls.url(f"/voice/transfer?call={call_id}"))

    # The call bar ----------------------------------------------------------------------------
    def active_call(self, actor: Staff) -> ActiveCall | None:
        """The call the agent is on (their presence says which), or None."""
        _require_call_role(actor)
        with self.sessions() as session:
            now_in = presence.current(session, [saved_id(actor)])[saved_id(actor)]
            if now_in.state != AgentState.ON_CALL or now_in.call_id is None:
                return None
            call = session.get(Call, now_in.call_id)
            if call is None or call.agent_id != actor.id:
                return None
            member = session.get(Member, call.member_id) if call.member_id else None
            return ActiveCall(
                call_id=saved_id(call),
                direction=call.direction,
                caller=self._masked_party(call),
                member_no=member.member_no if member is not None else None,
                state=_bar_state(call),
                talk_since=call.connected_at
                or (call.answered_at if call.direction == Direction.OUTBOUND.value else None),
                hold_since=call.hold_started_at,
                hold_seconds=call.hold_seconds or 0,
                queue=call.queue,
            )

    def hold(self, actor: Staff, call_id: int) -> None:
        """Put the caller on hold: their leg is redirected to the hold message (which ends the
        dial to the agent); the hold's start is kept for the call's hold time."""
        voice = self._voice("hold the call")
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            call = self._own_live_call(session, actor, call_id, lock=True)
            if call.direction != Direction.INBOUND.value:
                raise InvalidState(
                    "only a call in can be held (a callback's member leg is dialled)"
                )
            if call.hold_started_at is not None:
                raise InvalidState(f"call {call_id} is on hold already")
            if call.connected_at is None:
                raise InvalidState(f"call {call_id} is not connected to you yet")
            call.hold_started_at = now
            self.events.publish(session, _bar_event(call, "on_hold"))
            session.commit()
            call_sid = call.call_sid
        try:
            voice.redirect(call_sid, self.urls.url(f"/voice/hold?call={call_id}"))
        except Exception:
            self._undo_hold(call_id, now)  # Twilio did not take it: not on hold after all
            raise

    def resume(self, actor: Staff, call_id: int) -> None:
        """Take the caller off hold: their leg dials the agent again; the hold's seconds are
        added to the call's hold time."""
        voice = self._voice("resume the call")
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            call = self._own_live_call(session, actor, call_id, lock=True)
            started = call.hold_started_at
            if started is None:
                raise InvalidState(f"call {call_id} is not on hold")
            end_hold(call, now)
            self.events.publish(session, _bar_event(call, "in_progress"))
            session.commit()
            call_sid = call.call_sid
        try:
            voice.redirect(call_sid, self.urls.url(f"/voice/connect?call={call_id}"))
        except Exception:
            self._redo_hold(call_id, started, now)  # still on hold: Twilio did not take it
            raise

    def end_call(self, actor: Staff, call_id: int) -> None:
        """Hang up the agent's call through Twilio. The call ends when Twilio's "completed"
        status callback says so (the agent then wraps it up), not here."""
        voice = self._voice("end the call")
        with self.sessions() as session:
            call = self._own_live_call(session, actor, call_id)
            call_sid = call.call_sid
        voice.hang_up(call_sid)

    def _voice(self, what: str) -> VoiceClient:
        if self.voice is None:
            raise InvalidState(f"no Twilio account is configured: {what} on the phone itself")
        return self.voice

    def _undo_hold(self, call_id: int, started: datetime) -> None:
        with immediate_session(self.sessions) as session:
            session.execute(
                update(Call)
                .where(col(Call.id) == call_id, col(Call.hold_started_at) == started)
                .values(hold_started_at=None)
            )
            session.commit()

    def _redo_hold(self, call_id: int, started: datetime, resumed: datetime) -> None:
        held = max(int((resumed - started).total_seconds()), 0)
        with immediate_session(self.sessions) as session:
            session.execute(
                update(Call)
                .where(col(Call.id) == call_id, col(Call.hold_started_at).is_(None))
                .values(hold_started_at=started, hold_seconds=col(Call.hold_seconds) - held)
            )
            session.commit()

    def _masked_party(self, call: Call) -> str:
        if call.direction == Direction.INBOUND.value:
            number = self.cipher.decrypt("call.from", call.from_enc)
        else:
            number = self.cipher.decrypt("call.to", call.to_enc)
        masked = MASKERS["phone"](number) if number and number[-1:].isdigit() else None
        return masked if masked is not None else "withheld"

    def register_caller(self, actor: Staff, call_id: int, application: CallerApplication) -> str:
        """Register the caller of a call the agent took as a new member (it goes to review
        like any application), with the number they called from; returns the member number.
        The agent then serves the new member for the call."""
        with immediate_session(self.sessions) as session:
            call = self._own_live_call(session, actor, call_id)
            if call.member_id is not None:
                raise InvalidState("the caller is a member already")
            number = self.cipher.decrypt("call.from", call.from_enc)
            if call.party_bidx is None:
                raise InvalidState(
                    "the caller's number is withheld: ask for a mobile number "
                    "and register them by search instead"
                )
            member = self.registry.apply(
                session,
                application=MemberApplication(phone=number, channel="hotline", **application),
                actor=actor,
            )
            call.member_id = member.id
            now = self.clock.now()
            self.access.open_grant(
                session,
                staff_id=saved_id(actor),
                member_id=saved_id(member),
                source=GrantSource.CALL,
                source_ref=call.call_sid,
                starts_at=now,
                ends_at=now + self.grant_window,
                reason="registering the caller",
            )
            session.commit()
            return member.member_no

    def link_complaint(self, actor: Staff, call_id: int, complaint_no: str) -> None:
        with immediate_session(self.sessions) as session:
            complaint = session.scalar(
                select(Complaint).where(col(Complaint.complaint_no) == complaint_no)
            )
            if complaint is None:
                raise NotFound(f"no complaint {complaint_no}")
            attach_call(session, actor, call_id, complaint)
            session.commit()

    def place_callback(self, actor: Staff, task_id: int) -> int:
        """Call the member of a callback task the agent has claimed: the agent's phone rings
        first, then Twilio dials the member. Returns the call's id."""
        if self.voice is None:
            raise InvalidState("no Twilio account is configured: dial the member by hand")
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            task = session.get(CallbackTask, task_id)
            if task is None:
                raise NotFound(f"no callback task {task_id}")
            if task.status != TaskStatus.CLAIMED.value or task.claimed_by_id != actor.id:
                raise PermissionDenied(
                    f"callback task {task_id} is not claimed by {actor.username}"
                )
            member = session.get(Member, task.member_id)
            if member is None:
                raise NotFound(f"no member {task.member_id}")
            number = self.registry.decrypt(member, ("phone",))["phone"]
            if not number:
                raise InvalidState(f"member {member.member_no} has no phone number")
            cipher = self.cipher
            call = Call(
                call_sid=f"pending-{uuid.uuid4().hex}",
                direction=Direction.OUTBOUND.value,
                from_enc=cipher.encrypt("call.from", self.urls.caller_id),
                to_enc=cipher.encrypt("call.to", number),
                party_bidx=member.phone_bidx,
                member_id=member.id,
                status="initiated",
                agent_id=actor.id,
                callback_task_id=task.id,
                started_at=now,
            )
            session.add(call)
            session.commit()
            call_id = saved_id(call)
        endpoint = self.agent_endpoint.format(username=actor.username)
        try:
            sid = self.voice.call(
                to=endpoint,
                from_=self.urls.caller_id,
                url=self.urls.url(f"/voice/outbound/connect?call={call_id}"),
                status_callback=self.urls.url("/voice/status"),
            )
        except Exception:
            self._set(call_id, status="failed", ended_at=self.clock.now())
            raise
        self._set(call_id, call_sid=sid)
        return call_id

    def recent(self, actor: Staff, limit: int = 20) -> list[tuple[CallView, Call]]:
        """The latest calls of the hotline, numbers masked."""
        _require_call_role(actor)
        with self.sessions() as session:
            calls = list(session.scalars(select(Call).order_by(col(Call.id).desc()).limit(limit)))
        return [(self.view(actor, saved_id(call)), call) for call in calls]

    def calls_of_member(self, actor: Staff, member_id: int, limit: int = 20) -> list[Call]:
        """The member's calls, for a profile the access layer already let `actor` open."""
        _require_call_role(actor)
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Call)
                    .where(col(Call.member_id) == member_id)
                    .order_by(col(Call.started_at).desc())
                    .limit(limit)
                )
            )

    # Agent states -----------------------------------------------------------------------------
    def set_own_state(self, actor: Staff, state: str) -> Presence:
        """The agent's own choice: available, break or offline (never out of a call)."""
        _require_call_role(actor)
        chosen = presence.parse_chosen(state)
        with immediate_session(self.sessions) as session:
            now_in = presence.set_state(
                session, saved_id(actor), chosen, self.clock.now(), by_agent=True
            )
            self._state_event(session, saved_id(actor), chosen, None)
            session.commit()
        return now_in

    def wrap_up(self, actor: Staff, call_id: int, disposition: str, note: str) -> Presence:
        """Record what came of the call the agent is wrapping up; they are available again."""
        _require_call_role(actor)
        if disposition not in DISPOSITIONS:
            raise ValidationError("disposition", "one of " + ", ".join(DISPOSITIONS))
        note = refuse_unsafe(note.strip(), "note", multiline=True)
        if not note:
            raise ValidationError("note", "a wrap-up needs a note")
        if len(note) > 2000:
            raise ValidationError("note", "at most 2000 characters")
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            call = self._get(session, call_id)
            agent_id = saved_id(actor)
            mine = presence.lock(session, agent_id, now)  # a second wrap-up waits, then fails
            if mine.state != AgentState.WRAP_UP or mine.call_id != call.id:
                raise InvalidState(f"{actor.username} is not wrapping up call {call_id}")
            call.disposition = disposition
            call.wrap_note_enc = self.cipher.encrypt("call.wrap_note", note)
            call.wrapped_at = now
            now_in = presence.set_state(session, agent_id, AgentState.AVAILABLE, now)
            self._state_event(session, agent_id, AgentState.AVAILABLE, None)
            session.commit()
        return now_in

    def presence_of(self, actor: Staff) -> Presence:
        _require_call_role(actor)
        with self.sessions() as session:
            return presence.current(session, [saved_id(actor)])[saved_id(actor)]

    def roster(self) -> list[tuple[str, Presence]]:
        """Every active staff member who takes calls, by username, with their state."""
        with self.sessions() as session:
            staff = session.execute(
                select(col(Staff.id), col(Staff.username))
                .where(col(Staff.role).in_(CALL_ROLES), col(Staff.active).is_(True))
                .order_by(col(Staff.username))
            ).all()
            now_in = presence.current(session, [staff_id for staff_id, _ in staff])
        return [(username, now_in[staff_id]) for staff_id, username in staff]

    def state_times(self, staff_id: int, day: date, zone: ZoneInfo) -> presence.StateTimes:
        with self.sessions() as session:
            return presence.time_in_states(
                session,
                staff_id,
                day,
                zone=zone,
                now=self.clock.now(),
                wrap_up_limit=self.wrap_up_limit,
            )

    def _move_if_on(self, session: Session, agent_id: int, call: Call, state: AgentState) -> None:
        """Move an agent whose presence is on `call` (a take made it so) to `state`."""
        move_call_to(session, self.events, agent_id, call, state, self.clock.now())

    def _state_event(
        self, session: Session, agent_id: int, state: AgentState, call_id: int | None
    ) -> None:
        publish_state(self.events, session, agent_id, state, call_id)

    # Helpers -----------------------------------------------------------------------------------
    def _get(self, session: Session, call_id: int) -> Call:
        call = session.get(Call, call_id)
        if call is None:
            raise NotFound(f"no call {call_id}")
        return call

    def _own_live_call(
        self, session: Session, actor: Staff, call_id: int, *, lock: bool = False
    ) -> Call:
        """The actor's call, not ended; `lock`: its row locked for the transaction (a hold, a
        resume, a transfer and Twilio's status callback of its end come one at a time)."""
        _require_call_role(actor)
        if lock:
            call = session.scalar(
                select(Call)
                .where(col(Call.id) == call_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if call is None:
                raise NotFound(f"no call {call_id}")
        else:
            call = self._get(session, call_id)
        if call.agent_id != actor.id:
            raise PermissionDenied(f"call {call_id} is not {actor.username}'s")
        if call.status in ENDED:
            raise InvalidState(f"call {call_id} has ended")
        return call

    def _set(self, call_id: int, **values: str | datetime) -> None:
        with immediate_session(self.sessions) as session:
            session.execute(update(Call).where(col(Call.id) == call_id).values(**values))
            session.commit()


def _bar_state(call: Call) -> str:
    if call.status in ENDED:
        return "ended"
    if call.hold_started_at is not None:
        return "on_hold"
    if call.direction == Direction.INBOUND.value:
        return "in_progress" if call.connected_at is not None else "ringing"
    return "in_progress" if call.status == "in-progress" else "ringing"


def _bar_event(call: Call, state: str) -> dict[str, str | int | None]:
    return {"type": "call_state", "call_id": call.id, "agent_id": call.agent_id, "status": state}


def end_hold(call: Call, at: datetime) -> None:
    """A hold ends (resumed, transferred or the call over): its seconds join the total."""
    if call.hold_started_at is not None:
        held = int((at - as_utc(call.hold_started_at)).total_seconds())
        call.hold_seconds = (call.hold_seconds or 0) + max(held, 0)
        call.hold_started_at = None


def _require_call_role(actor: Staff) -> None:
    if actor.role not in CALL_ROLES or not actor.active:
        raise PermissionDenied(f"{actor.username} ({actor.role}) does not take calls")


def publish_state(
    events: CallEvents,
    session: Session,
    agent_id: int,
    state: AgentState,
    call_id: int | None,
) -> None:
    """An agent's state changed: the wallboard and the agent's own screen listen."""
    events.publish(
        session,
        {"type": "agent_state", "agent_id": agent_id, "state": state.value, "call_id": call_id},
    )


def move_call_to(
    session: Session,
    events: CallEvents,
    agent_id: int,
    call: Call,
    state: AgentState,
    at: datetime,
) -> None:
    """The agent on `call` moves to `state` (see `presence.leave_call`), and it is published."""
    if presence.leave_call(session, agent_id, saved_id(call), state, at):
        publish_state(events, session, agent_id, state, call.id)


def attach_call(session: Session, actor: Staff, call_id: int, complaint: Complaint) -> None:
    """Links the call the actor has taken to the complaint, in the caller's transaction."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}")
    if call.agent_id != actor.id:
        raise PermissionDenied(f"call {call_id} is not {actor.username}'s")
    call.complaint_id = complaint.id
