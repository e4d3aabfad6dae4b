"""What the hotline does when Twilio calls: each method takes a webhook's parameters, stores what
it reports, and returns the TwiML to answer with. Side effects happen once per webhook (the
call's SID is unique; other webhooks leave a receipt), so a repeated request is answered again
without acting twice.

An incoming call: the caller's number is normalised to E.164 and looked up by blind index, the
call is stored and a screen-pop event goes out once it is committed; the caller hears the
greeting and the recording notice (the recording starts), then the menu: 1 the points balance
for a caller whose number belongs to a member, 2 the complaints queue, 0 (or nothing) an agent
(routed by tier: telephony/routing.py), or, outside the agents' hours, a voicemail that asks for
a callback. A long wait offers a member a queue callback."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, col

from workbench.callbacks.models import Outcome, Reason
from workbench.callbacks.service import CallbackService, DuplicateTask
from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.engine import immediate_connection, immediate_session
from workbench.db.ids import saved_id
from workbench.errors import InvalidPhoneNumber, NotFound, WorkbenchError
from workbench.members.identity import normalise_phone
from workbench.members.models import Member, Staff
from workbench.members.points import PointsLedger
from workbench.members.registry import MemberRegistry
from workbench.permissions.access import MemberAccess
from workbench.permissions.models import GrantSource
from workbench.telephony import twiml
from workbench.telephony.desk import end_hold, move_call_to
from workbench.telephony.events import CallEvents
from workbench.telephony.models import ENDED, Call, Direction, WebhookReceipt
from workbench.telephony.presence_models import AgentState
from workbench.telephony.routing import Route, Routing

log = logging.getLogger(__name__)

# A callback's member leg, as Dial reports it, and what it means for the task.
DIAL_OUTCOMES = {
    "busy": Outcome.BUSY,
    "no-answer": Outcome.NO_ANSWER,
    "failed": Outcome.WRONG_NUMBER,
}


@dataclass(frozen=True)
class Hours:
    """When agents answer, every day, in the hotline's time zone; self-service is 7×24."""

    opens: time
    closes: time
    zone: ZoneInfo

    def open_at(self, at: datetime) -> bool:
        local = at.astimezone(self.zone).time()
        if self.opens <= self.closes:
            return self.opens <= local < self.closes
        return local >= self.opens or local < self.closes  # past midnight


class Hotline:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        cipher: FieldCipher,
        registry: MemberRegistry,
        ledger: PointsLedger,
        access: MemberAccess,
        callbacks: CallbackService,
        voice: twiml.Voice,
        events: CallEvents,
        hours: Hours,
        agent_queue: str,
        complaint_queue: str,
        agent_endpoint: str,
        expiry_reminder_days: int,
        routing: Routing,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.cipher = cipher
        self.registry = registry
        self.ledger = ledger
        self.access = access
        self.callbacks = callbacks
        self.agent_endpoint = agent_endpoint
        self.expiry_reminder_days = expiry_reminder_days
        self.voice = voice
        self.events = events
        self.hours = hours
        self.agent_queue = agent_queue
        self.complaint_queue = complaint_queue
        self.routing = routing

    # Incoming call -----------------------------------------------------------------------------
    def incoming(self, *, call_sid: str, from_number: str, to_number: str) -> str:
        """Store the call and pop it, once per CallSid: one INSERT that does nothing for a
        repeated webhook (this path is the hotline's busiest, so it stays a single statement,
        built once, that finds the caller's member by blind index as it inserts). The number is
        normalised and encrypted before the transaction begins, so it is held no longer than
        the statement and the commit."""
        cipher = self.cipher
        e164 = self._caller_number(from_number)
        bidx = self.registry.phone_bidx(e164) if e164 else None
        values = dict(
            call_sid=call_sid,
            direction=Direction.INBOUND.value,
            from_enc=cipher.encrypt("call.from", e164 or from_number),
            to_enc=cipher.encrypt("call.to", to_number),
            party_bidx=bidx,
            caller_bidx=bidx,  # the member's id: (SELECT id FROM member WHERE phone_bidx = …)
            status="ringing",
            queue=self.agent_queue,
            voicemail=False,
            started_at=self.clock.now(),
        )
        engine = self.sessions.kw["bind"]
        with immediate_connection(engine) as connection:  # Core: no ORM object is needed
            call_id = connection.scalar(_incoming_insert(engine.dialect.name), values)
        if call_id is not None:  # after the commit: a NOTIFY inside it serialises commits
            self.events.announce({"type": "incoming", "call_id": call_id})
        return twiml.greeting(self.voice)

    def _caller_number(self, number: str) -> str | None:
        """The caller's number in E.164; None when withheld (or not a number)."""
        try:
            return normalise_phone(number, self.registry.phone_region, mobile_only=False)
        except InvalidPhoneNumber:
            return None

    def menu(self, *, call_sid: str, digits: str) -> str:
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            call = self._call(session, call_sid)
            choice = digits if digits in ("0", "1", "2") else "0"
            if call is not None:
                call.menu_choice = choice
            if choice == "1":
                answer = self._points(session, call)
            elif choice == "2":
                answer = self._enqueue(call, self.complaint_queue)
            elif self.hours.open_at(now):
                answer = self._to_agents(session, call)
            else:
                answer = twiml.voicemail(
                    self.voice, f"{self.hours.opens:%H:%M}", f"{self.hours.closes:%H:%M}"
                )
            session.commit()
        return answer

    def _points(self, session: Session, call: Call | None) -> str:
        if call is None or call.member_id is None:
            return self._to_agents(session, call, prompt="not_member")
        balance = self.ledger.balance(session, call.member_id)
        days = self.expiry_reminder_days
        expiring = self.ledger.expiring_within(session, days, member_id=call.member_id)
        first = expiring[0].first_expiry.astimezone(self.hours.zone).date() if expiring else None
        return twiml.points_balance(
            self.voice, balance, expiring[0].points if expiring else 0, first
        )

    def _enqueue(self, call: Call | None, queue: str, prompt: str = "queue") -> str:
        if call is not None:
            call.queue, call.status = queue, "queued"
        return twiml.to_queue(self.voice, queue, prompt)

    def _to_agents(self, session: Session, call: Call | None, prompt: str = "queue") -> str:
        """By tier (telephony/routing.py): the assigned agent rings first, members wait in the
        priority queue, other callers in the general one."""
        if call is None:
            return self._enqueue(call, self.agent_queue, prompt)
        routed = self.routing.route(
            session, call, access=self.access, events=self.events, now=self.clock.now()
        )
        call.route = routed.route.value
        if routed.agent is None:
            return self._enqueue(call, routed.queue, prompt)
        call.queue = routed.queue  # where an unanswered dial hands the caller (after_agent)
        endpoint = self.agent_endpoint.format(username=routed.agent.username)
        return twiml.connect_agent(
            self.voice, endpoint, saved_id(call), timeout=self.routing.ring_seconds
        )

    def waiting(self, *, queue_position: str, call_sid: str = "") -> str:
        """Played while the caller waits. A member whose expected wait passes the threshold is
        offered to keep their place and be called back (a read only then: this runs every few
        seconds for every waiting caller)."""
        try:
            ahead = max(int(queue_position) - 1, 0)
        except ValueError:
            ahead = 0
        if call_sid and self.routing.offers_callback(ahead):
            with self.sessions() as session:
                call = self._call(session, call_sid)
                member = session.get(Member, call.member_id) if call and call.member_id else None
                offered = (
                    call is not None
                    and member is not None
                    and not member.do_not_call  # asked never to be called: nothing to offer
                    and call.callback_task_id is None
                    # answered once already (no task came of it): not offered again and again
                    and session.get(WebhookReceipt, _queue_callback_key(call_sid)) is None
                )
            if offered:
                return twiml.waiting(self.voice, ahead, offer_callback=True)
        return twiml.waiting(self.voice, ahead)

    def queue_callback(self, *, call_sid: str, digits: str, queue_position: str = "") -> str:
        """The waiting caller answered the offer: 1 keeps their place as a callback task (once
        per call) and ends the call; anything else goes on waiting."""
        if digits != "1":
            return self.waiting(queue_position=queue_position)
        with immediate_session(self.sessions) as session:
            call = self._call(session, call_sid)
            if call is None or call.member_id is None:
                session.commit()
                return self.waiting(queue_position=queue_position)
            if first_time(session, _queue_callback_key(call_sid), self.clock):
                call.callback_task_id = self.routing.keep_place(session, call, self.callbacks)
            task_id = call.callback_task_id
            session.commit()
        if task_id is None:  # e.g. asked never to be called: keep waiting
            return self.waiting(queue_position=queue_position)
        return twiml.called_back_later(self.voice)

    def voicemail(self, *, call_sid: str, recording_sid: str, seconds: str) -> str:
        """The caller left a message: a member gets a callback task (reason: their request)."""
        with immediate_session(self.sessions) as session:
            call = self._call(session, call_sid)
            if call is not None and first_time(session, f"voicemail:{call_sid}", self.clock):
                call.voicemail = True
                call.recording_sid = recording_sid or call.recording_sid
                call.recording_seconds = _int(seconds) or call.recording_seconds
                if call.member_id is not None:
                    self._request_callback(session, call, call.member_id)
            session.commit()
        return twiml.after_voicemail(self.voice)

    def _request_callback(self, session: Session, call: Call, member_id: int) -> None:
        try:
            task = self.callbacks.schedule(
                session, member_id=member_id, reason=Reason.MEMBER_REQUEST
            )
            call.callback_task_id = task.id
        except DuplicateTask:
            pass  # one open request per member is enough
        except WorkbenchError as error:  # e.g. asked never to be called: keep the voicemail
            log.info("call %s: no callback task: %s", call.id, error)

    # Agents ------------------------------------------------------------------------------------
    def connect_agent(self, *, call_id: int) -> str:
        """TwiML for a caller's leg that an agent took: dial the agent."""
        with self.sessions() as session:
            call = session.get(Call, call_id)
            agent = session.get(Staff, call.agent_id) if call and call.agent_id else None
        if agent is None:  # nobody took it after all: back to the queue
            return twiml.to_queue(self.voice, self.agent_queue)
        endpoint = self.agent_endpoint.format(username=agent.username)
        return twiml.connect_agent(self.voice, endpoint, call_id)

    def after_agent(self, *, call_id: int, dial_status: str) -> str:
        """The dial to the agent ended. Unanswered: the caller goes back to the queue. A call
        the agent put on hold stays on hold (the hold's redirect ended the dial)."""
        with self.sessions() as session:
            held = session.scalar(select(col(Call.hold_started_at)).where(col(Call.id) == call_id))
        if held is not None:
            return twiml.on_hold(self.voice, call_id)
        if dial_status == "completed":
            return twiml.hang_up()
        with immediate_session(self.sessions) as session:
            call = session.get(Call, call_id)
            queue = call.queue if call and call.queue else self.agent_queue
            if call is not None and call.agent_id is not None:
                if call.route == Route.ASSIGNED.value:  # rang the assigned agent: now the queue
                    call.route = Route.FALLBACK.value
                self.access.end_grants(session, source=GrantSource.CALL, source_ref=call.call_sid)
                # Nothing to wrap up: the agent never answered.
                move_call_to(
                    session,
                    self.events,
                    call.agent_id,
                    call,
                    AgentState.AVAILABLE,
                    self.clock.now(),
                )
                call.agent_id = None
                self.events.publish(session, {"type": "incoming", "call_id": call.id})
            session.commit()
        return twiml.to_queue(self.voice, queue)

    def on_hold(self, *, call_id: int) -> str:
        """TwiML for a caller's leg the agent holds: the hold message, again and again; once
        resumed (a redirect that crossed this request), the dial of the agent."""
        with self.sessions() as session:
            call = session.get(Call, call_id)
            if call is None:
                raise NotFound(f"no call {call_id}")
            held = call.hold_started_at is not None and call.status not in ENDED
        if not held:
            return self.connect_agent(call_id=call_id)
        return twiml.on_hold(self.voice, call_id)

    def agent_leg(self, *, call_id: int, status: str) -> None:
        """The status callback of the dial to the agent (connect_agent's TwiML asks for it):
        ringing, then answered. The first answer starts the talk timer; each change reaches
        the agent's call bar. Its end is not the call's: the caller's leg reports that (a hold
        ends the agent's leg while the caller stays on the line)."""
        if status not in ("ringing", "in-progress"):
            return
        with immediate_session(self.sessions) as session:
            call = session.get(Call, call_id)
            if call is None or call.agent_id is None or call.status in ENDED:
                session.commit()
                return
            if status == "in-progress":
                now = self.clock.now()
                call.connected_at = call.connected_at or now
                if call.status in EARLY:  # the caller talks to the agent: the call is on
                    call.status = status
                    call.answered_at = call.answered_at or now
            self.events.publish(session, call_state_event(call, status))
            session.commit()

    def transferred(self, *, call_id: int) -> str:
        with self.sessions() as session:
            call = session.get(Call, call_id)
            queue = call.queue if call and call.queue else self.agent_queue
        return twiml.to_queue(self.voice, queue, prompt="transfer")

    # Callbacks out -----------------------------------------------------------------------------
    def connect_member(self, *, call_id: int) -> str:
        """The agent answered the callback's first leg: dial the member."""
        with self.sessions() as session:
            call = session.get(Call, call_id)
            if call is None or call.direction != Direction.OUTBOUND.value:
                raise NotFound(f"no outbound call {call_id}")
            number = self.cipher.decrypt("call.to", call.to_enc)
        return twiml.connect_member(self.voice, number, call_id)

    def member_leg_done(
        self, *, call_id: int, dial_status: str, dial_sid: str, seconds: str
    ) -> str:
        """The member's leg ended: an unanswered call is the task's outcome."""
        now = self.clock.now()
        outcome = None
        with immediate_session(self.sessions) as session:
            call = session.get(Call, call_id)
            if call is None:
                raise NotFound(f"no outbound call {call_id}")
            if first_time(session, f"dial:{call_id}", self.clock):
                call.member_leg_sid = dial_sid or None
                if dial_status == "completed":
                    call.answered_at = call.answered_at or now - timedelta(seconds=_int(seconds))
                outcome = DIAL_OUTCOMES.get(dial_status)
                self.events.publish(
                    session, {"type": "member_leg", "call_id": call.id, "status": dial_status}
                )
            agent = session.get(Staff, call.agent_id) if call.agent_id else None
            task_id = call.callback_task_id
            session.commit()
        if outcome is not None and agent is not None and task_id is not None:
            try:
                self.callbacks.record_outcome(agent, task_id=task_id, outcome=outcome)
            except WorkbenchError as error:  # e.g. the agent recorded one meanwhile
                log.info("call %s: outcome not recorded: %s", call_id, error)
        return twiml.ended(self.voice)

    # Status callbacks --------------------------------------------------------------------------
    def status(self, *, call_sid: str, status: str, duration: str) -> None:
        """Twilio's status callback of a call: ringing -> in-progress -> completed, no-answer,
        busy, failed or canceled, so the call log says what happened. Once per status; an
        ended call stays ended, and a late "ringing" does not undo an answer (callbacks may
        arrive out of order). The call's row is locked first, as a hold locks it, so a hold
        and the call's end come one after the other."""
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            call = self._call(session, call_sid, lock=True)
            if call is None or not first_time(session, f"status:{call_sid}:{status}", self.clock):
                session.commit()
                return
            if call.status in ENDED or (status in EARLY and call.answered_at is not None):
                session.commit()  # the receipt: the stale status is not looked at again
                return
            if status not in EARLY or call.status in EARLY:  # "queued" is the queue's word
                call.status = status[:16]
            if status == "in-progress" and call.answered_at is None:
                call.answered_at = now
            if status in ENDED:
                call.ended_at = call.ended_at or now
                call.duration_seconds = _int(duration)
                end_hold(call, now)
                self.access.end_grants(session, source=GrantSource.CALL, source_ref=call.call_sid)
                self.events.publish(session, {"type": "ended", "call_id": call.id})
                if call.agent_id is not None:  # the agent who had it wraps it up
                    move_call_to(session, self.events, call.agent_id, call, AgentState.WRAP_UP, now)
            elif call.agent_id is not None:
                self.events.publish(session, call_state_event(call, status))
            session.commit()

    def recording(self, *, call_sid: str, recording_sid: str, seconds: str, status: str) -> None:
        if status and status != "completed":
            return
        with immediate_session(self.sessions) as session:
            call = self._call(session, call_sid)
            if call is not None:
                call.recording_sid = recording_sid
                call.recording_seconds = _int(seconds)
            session.commit()

    @staticmethod
    def _call(session: Session, call_sid: str, *, lock: bool = False) -> Call | None:
        query = select(Call).where(col(Call.call_sid) == call_sid)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return session.scalar(query)


_INCOMING: dict[str, ReturningInsert[int]] = {}


def _incoming_insert(dialect: str) -> ReturningInsert[int]:
    """An incoming call's INSERT … ON CONFLICT (call_sid) DO NOTHING RETURNING id, in the
    database's dialect, its member looked up inside it by the `caller_bidx` parameter; the
    other columns are the parameters'. Built once per dialect: SQLAlchemy then finds its
    compiled form by a cache key kept on the statement."""
    cached = _INCOMING.get(dialect)
    if cached is not None:
        return cached
    table: Table = Call.__table__  # type: ignore[attr-defined]
    member: Table = Member.__table__  # type: ignore[attr-defined]
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    member_id = (
        select(member.c.id).where(member.c.phone_bidx == bindparam("caller_bidx")).scalar_subquery()
    )
    statement = (
        insert(table)
        .values(member_id=member_id)
        .on_conflict_do_nothing(index_elements=["call_sid"])
        .returning(table.c.id)
    )
    _INCOMING[dialect] = statement
    return statement


# Statuses before an answer.
EARLY = ("queued", "initiated", "ringing")


def call_state_event(call: Call, status: str) -> dict[str, str | int | None]:
    """The call's state changed (its agent's call bar listens): ids and a status only."""
    return {"type": "call_state", "call_id": call.id, "agent_id": call.agent_id, "status": status}


def _queue_callback_key(call_sid: str) -> str:
    return f"queue-callback:{call_sid}"[:160]


def first_time(session: Session, key: str, clock: Clock) -> bool:
    """Leave a receipt for `key`; False when one was there already (a repeated webhook)."""
    try:
        with session.begin_nested():
            session.add(WebhookReceipt(key=key[:160], received_at=clock.now()))
    except IntegrityError:
        return False
    return True


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
