"""What agents do with hotline calls: see the waiting calls (masked), take one (and open the
caller's profile on the grant the take gives), transfer it, register a new caller, place the
outbound call of a claimed callback, read a member's or the hotline's recent calls, and the
call bar's: the call the agent is on, hold, resume and end it. The call
desk (telephony) owns each of these transactions; this desk is the one door the screens and
commands go through."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from workbench.clock import Clock
from workbench.errors import PermissionDenied
from workbench.members.models import Role, Staff
from workbench.permissions.access import MemberAccess, MemberView, Purpose
from workbench.telephony.desk import (
    CALL_ROLES,
    ActiveCall,
    CallDesk,
    CallerApplication,
    CallView,
    TakenCall,
)
from workbench.telephony.events import CallEventHandler, CallEvents, LocalCallEvents
from workbench.telephony.models import DISPOSITIONS, Call
from workbench.telephony.presence import Presence
from workbench.telephony.presence_models import AgentState

if TYPE_CHECKING:
    from workbench.bootstrap import Services, Telephony

# How often a screen looks for waiting calls. Pops come as events; the poll catches a missed
# one, and on SQLite it is how pops from a webhook server in another process arrive (SQLite has
# no LISTEN/NOTIFY, its events reach only the process that stored the call).
POLL_SECONDS_LOCAL = 1.0
POLL_SECONDS_NOTIFIED = 5.0


@dataclass(frozen=True)
class TakenCallView:
    """A call the actor has taken, and the caller's profile where the take opened it (None: a
    new caller, or a member of another branch served without their record)."""

    taken: TakenCall
    view: MemberView | None


@dataclass(frozen=True)
class CallLogLine:
    """One call of the hotline's log, the number masked."""

    call_id: int
    direction: str
    caller: str
    known_member: bool
    status: str
    queue: str | None
    started_at: datetime
    duration_seconds: int | None
    recording_sid: str | None
    route: str | None = None  # how it reached the agents (telephony/routing.py Route)


@dataclass(frozen=True)
class AgentStateView:
    """An agent's state as their screen and the supervisor's list show it."""

    staff_id: int
    username: str
    state: str  # an AgentState value
    since: datetime | None  # None: never changed state (available)
    call_id: int | None  # the call they are on or wrapping up
    seconds_in_state: int
    wrap_up_overdue: bool  # in wrap-up past the limit (reported, not blocked)


@dataclass(frozen=True)
class AgentDay:
    """One agent's day for the state report: seconds in each state (by AgentState value) and
    the wrap-ups that ran past the limit."""

    username: str
    seconds: dict[str, int]
    wrap_ups: int
    wrap_ups_overran: int


class HotlineDesk:
    def __init__(
        self,
        *,
        desk: CallDesk,
        events: CallEvents,
        access: MemberAccess,
        poll_seconds: float = POLL_SECONDS_NOTIFIED,
        demo_ring: Callable[[], str] | None = None,
        zone: ZoneInfo = ZoneInfo("UTC"),
    ) -> None:
        self.desk = desk
        self.events = events
        self.access = access
        self.poll_seconds = poll_seconds
        self._demo_ring = demo_ring
        self.zone = zone  # the hotline's: a report's day is a local day

    def listen(self, deliver: CallEventHandler, stop: threading.Event) -> None:
        """Blocks, handing each call event (incoming, taken, ended, a member leg's status) to
        `deliver`, until `stop` is set: the screen pop of a signed-in agent."""
        self.events.listen(deliver, stop)

    def waiting(self, actor: Staff) -> list[CallView]:
        return self.desk.waiting(actor)

    def waiting_for(self, actor: Staff) -> list[CallView] | None:
        """The waiting calls, or None for a role that takes no calls (nothing to show)."""
        if actor.role not in CALL_ROLES:
            return None
        return self.desk.waiting(actor)

    def take(self, actor: Staff, call_id: int) -> TakenCall:
        return self.desk.take(actor, call_id)

    def take_and_open(self, actor: Staff, call_id: int) -> TakenCallView:
        """Takes the call and, where the take gave the actor a scope on the caller's record,
        reads the profile through it (audited as serving the caller)."""
        taken = self.desk.take(actor, call_id)
        view = None
        if taken.member_id is not None and taken.grant_until is not None:
            view = self.access.view_by_id(actor, taken.member_id, Purpose.SERVICE)
        return TakenCallView(taken, view)

    def open_handed(self, actor: Staff, call_id: int) -> TakenCallView:
        """The call routing rang the actor with (they are the caller's assigned agent), and
        the caller's profile read through the call's grant, as take_and_open does."""
        taken = self.desk.handed(actor, call_id)
        view = None
        if taken.member_id is not None and taken.grant_until is not None:
            view = self.access.view_by_id(actor, taken.member_id, Purpose.SERVICE)
        return TakenCallView(taken, view)

    # Agent states ------------------------------------------------------------------------------
    dispositions = DISPOSITIONS

    def set_my_state(self, actor: Staff, state: str) -> AgentStateView:
        """Available, break or offline: the agent's own choice, never out of a call."""
        return self._view(actor.username, self.desk.set_own_state(actor, state))

    def wrap_up(self, actor: Staff, call_id: int, disposition: str, note: str) -> AgentStateView:
        """The disposition (one of `dispositions`) and note of the call the agent wraps up;
        they are available again."""
        return self._view(actor.username, self.desk.wrap_up(actor, call_id, disposition, note))

    def my_state(self, actor: Staff) -> AgentStateView:
        return self._view(actor.username, self.desk.presence_of(actor))

    def agent_states(self, actor: Staff) -> list[AgentStateView]:
        """Every agent's state now (supervisors)."""
        self._require_supervisor(actor)
        return [self._view(username, now_in) for username, now_in in self.desk.roster()]

    def state_report(self, actor: Staff, day: date) -> list[AgentDay]:
        """Each agent's time in each state on the local `day` (supervisors)."""
        self._require_supervisor(actor)
        zone = self.zone
        report = []
        for username, now_in in self.desk.roster():
            times = self.desk.state_times(now_in.staff_id, day, zone)
            seconds = {state.value: n for state, n in times.seconds.items()}
            report.append(AgentDay(username, seconds, times.wrap_ups, times.wrap_ups_overran))
        return report

    @staticmethod
    def _require_supervisor(actor: Staff) -> None:
        if actor.role not in (Role.SUPERVISOR, Role.ADMIN) or not actor.active:
            raise PermissionDenied(f"{actor.username} ({actor.role}) does not see agents' states")

    def _view(self, username: str, now_in: Presence) -> AgentStateView:
        clock: Clock = self.desk.clock
        seconds = 0
        if now_in.since is not None:
            seconds = max(int((clock.now() - now_in.since).total_seconds()), 0)
        overdue = (
            now_in.state == AgentState.WRAP_UP
            and timedelta(seconds=seconds) > self.desk.wrap_up_limit
        )
        return AgentStateView(
            now_in.staff_id,
            username,
            now_in.state.value,
            now_in.since,
            now_in.call_id,
            seconds,
            overdue,
        )

    def transfer(self, actor: Staff, call_id: int, queue: str) -> None:
        self.desk.transfer(actor, call_id, queue)

    # The call bar -------------------------------------------------------------------------------
    @property
    def transfer_queues(self) -> tuple[str, ...]:
        return self.desk.transfer_queues

    def my_call(self, actor: Staff) -> ActiveCall | None:
        """The call the actor is on (the call bar), or None; None too for a role that takes
        no calls (nothing to show)."""
        if actor.role not in CALL_ROLES:
            return None
        return self.desk.active_call(actor)

    def hold(self, actor: Staff, call_id: int) -> None:
        """The caller hears the hold message until `resume`."""
        self.desk.hold(actor, call_id)

    def resume(self, actor: Staff, call_id: int) -> None:
        self.desk.resume(actor, call_id)

    def end_call(self, actor: Staff, call_id: int) -> None:
        """Hang up; Twilio's status callback ends the call, and the agent wraps it up."""
        self.desk.end_call(actor, call_id)

    def register_caller(self, actor: Staff, call_id: int, application: CallerApplication) -> str:
        """Registers the caller of a taken call as a new member (pending review); the number."""
        return self.desk.register_caller(actor, call_id, application)

    def place_callback(self, actor: Staff, task_id: int) -> int:
        return self.desk.place_callback(actor, task_id)

    def calls_of_member(self, actor: Staff, member_id: int, limit: int = 20) -> list[Call]:
        return self.desk.calls_of_member(actor, member_id, limit)

    def recent(self, actor: Staff, limit: int = 20) -> list[tuple[CallView, Call]]:
        return self.desk.recent(actor, limit)

    def call_log(self, actor: Staff, limit: int = 20) -> list[CallLogLine]:
        """The latest calls, newest first, numbers masked (agents and supervisors)."""
        return [
            CallLogLine(
                call_id=view.call_id,
                direction=call.direction,
                caller=view.caller,
                known_member=view.known_member,
                status=call.status,
                queue=call.queue,
                started_at=call.started_at,
                duration_seconds=call.duration_seconds,
                recording_sid=call.recording_sid,
                route=call.route,
            )
            for view, call in self.desk.recent(actor, limit)
        ]

    def ring_demo_call(self) -> str | None:
        """Demo only: rings the hotline from a demo caller through the real incoming-call
        handler; the call's SID (None where this workbench has no demo caller)."""
        return self._demo_ring() if self._demo_ring is not None else None


def hotline_desk(services: Services, telephony: Telephony) -> HotlineDesk:
    """The desk for a workbench built with the hotline."""

    def ring() -> str:
        from workbench.demo.calls import ring_hotline
        from workbench.demo.twilio import demo_twilio

        network = demo_twilio(telephony)  # plays Twilio for the demo's calls
        sid = ring_hotline(services, telephony)
        network.answer(sid)
        return sid

    local = isinstance(telephony.events, LocalCallEvents)
    return HotlineDesk(
        desk=telephony.desk,
        events=telephony.events,
        access=services.access,
        poll_seconds=POLL_SECONDS_LOCAL if local else POLL_SECONDS_NOTIFIED,
        demo_ring=ring,
        zone=telephony.hotline.hours.zone,
    )
