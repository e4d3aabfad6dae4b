"""What agents do with hotline calls: see the waiting calls (masked), take one (and open the
caller's profile on the grant the take gives), transfer it, register a new caller, place the
outbound call of a claimed callback, and read a member's or the hotline's recent calls. The call
desk (telephony) owns each of these transactions; this desk is the one door the screens and
commands go through."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.members.models import Staff
from workbench.permissions.access import MemberAccess, MemberView, Purpose
from workbench.telephony.desk import (
    CALL_ROLES,
    CallDesk,
    CallerApplication,
    CallView,
    TakenCall,
)
from workbench.telephony.events import CallEventHandler, CallEvents, LocalCallEvents
from workbench.telephony.models import Call

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


class HotlineDesk:
    def __init__(
        self,
        *,
        desk: CallDesk,
        events: CallEvents,
        access: MemberAccess,
        poll_seconds: float = POLL_SECONDS_NOTIFIED,
        demo_ring: Callable[[], str] | None = None,
    ) -> None:
        self.desk = desk
        self.events = events
        self.access = access
        self.poll_seconds = poll_seconds
        self._demo_ring = demo_ring

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

    def transfer(self, actor: Staff, call_id: int, queue: str) -> None:
        self.desk.transfer(actor, call_id, queue)

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

        return ring_hotline(services, telephony)

    local = isinstance(telephony.events, LocalCallEvents)
    return HotlineDesk(
        desk=telephony.desk,
        events=telephony.events,
        access=services.access,
        poll_seconds=POLL_SECONDS_LOCAL if local else POLL_SECONDS_NOTIFIED,
        demo_ring=ring,
    )
