"""Routing by tier (seed 000): members get 优先客服, the priority queue, which agents take before
the general queue of callers who are not members; a member of a high enough tier rings their
assigned agent (专属客服) first when that agent is available, for a few seconds, then waits in
the priority queue. The offer is the take's own path: the call is the agent's (their presence on
the call, the serving grant) and the caller's leg dials them; an unanswered dial hands the call
back to the queue (Hotline.after_agent).

A caller whose expected wait passes the threshold is offered a queue callback: pressing 1 keeps
their place as a callback task (due from when they called, ahead of the ordinary callbacks)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlmodel import Session, col

from workbench.callbacks.models import CallbackTask, Reason
from workbench.callbacks.service import CallbackService, DuplicateTask
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, WorkbenchError
from workbench.members.models import Member, Role, Staff
from workbench.members.tiers import TierScheme
from workbench.permissions.access import MemberAccess, serves_member
from workbench.permissions.models import GrantSource
from workbench.telephony import presence
from workbench.telephony.desk import publish_state
from workbench.telephony.events import CallEvents
from workbench.telephony.models import Call
from workbench.telephony.presence_models import AgentState
from workbench.telephony.routing_models import AssignedAgent

log = logging.getLogger(__name__)

ASSIGNABLE_ROLES = (Role.AGENT, Role.SUPERVISOR)  # who takes calls (telephony/desk.py)
# A queue callback is taken before every other callback task (a complaint follow-up is 5).
QUEUE_CALLBACK_PRIORITY = 9
QUEUE_CALLBACK_WINDOW = timedelta(days=1)


class Route(StrEnum):
    ASSIGNED = "assigned"  # rang the member's assigned agent
    FALLBACK = "fallback"  # the assigned agent did not answer: the priority queue
    PRIORITY = "priority"  # a member: the priority queue
    GENERAL = "general"  # not a member (or withheld): the general queue


@dataclass(frozen=True)
class Routed:
    route: Route
    queue: str  # where the caller waits (for an assigned agent: if they do not answer)
    agent: Staff | None  # the assigned agent the call rings first


class _TakenMeanwhile(Exception):
    """Rolls the hand-over's savepoint back: another agent took the call first."""


@dataclass(frozen=True)
class Routing:
    scheme: TierScheme
    priority_queue: str
    general_queue: str
    assigned_min_rank: int
    ring_seconds: int
    grant_window: timedelta
    callback_after_seconds: int  # 0: no queue callback
    seconds_per_caller: int

    def rank_allows(self, tier_code: str) -> bool:
        try:
            return self.scheme.get(tier_code).rank >= self.assigned_min_rank
        except WorkbenchError:  # a tier of an earlier scheme: no assigned agent
            return False

    def expected_wait(self, ahead: int) -> int:
        return ahead * self.seconds_per_caller

    def offers_callback(self, ahead: int) -> bool:
        after = self.callback_after_seconds
        return after > 0 and self.expected_wait(ahead) > after

    # Routing a call to the agents --------------------------------------------------------------
    def route(
        self,
        session: Session,
        call: Call,
        *,
        access: MemberAccess,
        events: CallEvents,
        now: datetime,
    ) -> Routed:
        """Decide, and for an assigned agent who is available hand them the call (as a take
        does), in the caller's transaction."""
        member = session.get(Member, call.member_id) if call.member_id is not None else None
        if member is None:
            return Routed(Route.GENERAL, self.general_queue, None)
        # An agent may have taken it from the waiting list already (it shows while ringing).
        agent = self._available_assigned(session, member, now) if call.agent_id is None else None
        if agent is not None and self._hand_to(session, call, member, agent, access, events, now):
            return Routed(Route.ASSIGNED, self.priority_queue, agent)
        return Routed(Route.PRIORITY, self.priority_queue, None)

    def _available_assigned(self, session: Session, member: Member, now: datetime) -> Staff | None:
        if not self.rank_allows(member.tier_code):
            return None
        assigned = session.get(AssignedAgent, member.id)
        agent = session.get(Staff, assigned.staff_id) if assigned is not None else None
        if agent is None or not agent.active or agent.role not in ASSIGNABLE_ROLES:
            return None
        state = presence.current(session, [saved_id(agent)])[saved_id(agent)].state
        return agent if state == AgentState.AVAILABLE else None

    def _hand_to(
        self,
        session: Session,
        call: Call,
        member: Member,
        agent: Staff,
        access: MemberAccess,
        events: CallEvents,
        now: datetime,
    ) -> bool:
        """What CallDesk.take does for an agent who took the call: their presence on it, the
        serving grant, the events. False when the agent stopped being available meanwhile."""
        agent_id = saved_id(agent)
        try:
            with session.begin_nested():
                # Claimed as a take claims it (only while nobody has it), so an agent taking
                # the call from the waiting list at this moment is never overwritten.
                claimed = session.execute(
                    update(Call)
                    .where(col(Call.id) == call.id, col(Call.agent_id).is_(None))
                    .values(agent_id=agent_id)
                )
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    raise _TakenMeanwhile
                presence.set_state(session, agent_id, AgentState.ON_CALL, now, call_id=call.id)
        except (InvalidState, _TakenMeanwhile):
            return False
        publish_state(events, session, agent_id, AgentState.ON_CALL, call.id)
        if serves_member(session, agent, member):
            access.open_grant(
                session,
                staff_id=agent_id,
                member_id=saved_id(member),
                source=GrantSource.CALL,
                source_ref=call.call_sid,
                starts_at=now,
                ends_at=now + self.grant_window,
                reason="serving the caller (assigned agent)",
            )
        events.publish(session, {"type": "taken", "call_id": call.id, "agent_id": agent_id})
        # The agent's screen opens the caller's profile on this, as a take (F2) does.
        events.publish(session, {"type": "handed", "call_id": call.id, "agent_id": agent_id})
        return True

    # Queue callback ----------------------------------------------------------------------------
    def keep_place(self, session: Session, call: Call, callbacks: CallbackService) -> int | None:
        """The waiting member pressed 1: a callback task due from when they called, ahead of
        ordinary callbacks; an open request of theirs is raised to it instead. The task's id
        (None: not a member, or asked never to be called)."""
        if call.member_id is None:
            return None
        try:
            task = callbacks.schedule(
                session,
                member_id=call.member_id,
                reason=Reason.MEMBER_REQUEST,
                earliest_at=call.started_at,
                latest_at=call.started_at + QUEUE_CALLBACK_WINDOW,
                priority=QUEUE_CALLBACK_PRIORITY,
            )
            session.flush()
            return task.id
        except DuplicateTask:
            open_task = session.scalar(
                select(CallbackTask).where(
                    col(CallbackTask.member_id) == call.member_id,
                    col(CallbackTask.reason) == Reason.MEMBER_REQUEST.value,
                    col(CallbackTask.status) == "queued",
                )
            )
            if open_task is None:  # claimed by an agent right now: they are calling already
                return None
            open_task.priority = max(open_task.priority, QUEUE_CALLBACK_PRIORITY)
            open_task.next_attempt_at = min(open_task.next_attempt_at, call.started_at)
            return open_task.id
        except WorkbenchError as error:  # e.g. asked never to be called
            log.info("call %s: no queue callback: %s", call.id, error)
            return None
