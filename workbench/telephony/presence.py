"""Agent states: each change locks the agent's presence row (FOR UPDATE on PostgreSQL; SQLite's
write transactions are serial), closes the open period of the state log and opens the next.

An agent without a presence row has never changed state: they count as available, so a desk
that predates agent states keeps taking calls. The row is created at their first change.

Moves the system makes (a take, a call's end, a wrap-up) and moves the agent makes (available,
break, offline) follow one table; an agent cannot step out of a call or a wrap-up by hand."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from workbench.errors import InvalidState, ValidationError
from workbench.telephony.presence_models import AgentPresence, AgentState, AgentStateLog

LEGAL: dict[AgentState, frozenset[AgentState]] = {
    AgentState.AVAILABLE: frozenset({AgentState.ON_CALL, AgentState.BREAK, AgentState.OFFLINE}),
    AgentState.BREAK: frozenset({AgentState.AVAILABLE, AgentState.OFFLINE}),
    AgentState.OFFLINE: frozenset({AgentState.AVAILABLE, AgentState.BREAK}),
    # Back to available without a wrap-up: the agent's leg was never answered.
    AgentState.ON_CALL: frozenset({AgentState.WRAP_UP, AgentState.AVAILABLE}),
    AgentState.WRAP_UP: frozenset({AgentState.AVAILABLE}),
}
# What an agent may choose; on a call or in wrap-up they may not choose at all.
CHOSEN = (AgentState.AVAILABLE, AgentState.BREAK, AgentState.OFFLINE)
BUSY = (AgentState.ON_CALL, AgentState.WRAP_UP)


@dataclass(frozen=True)
class Presence:
    staff_id: int
    state: AgentState
    since: datetime | None  # None: never changed (available by default)
    call_id: int | None


@dataclass(frozen=True)
class StateTimes:
    """One agent's day: seconds in each state, and the wrap-ups that overran the limit."""

    seconds: dict[AgentState, int]
    wrap_ups: int
    wrap_ups_overran: int


def parse_chosen(value: str) -> AgentState:
    """An agent's own choice of state, or a ValidationError naming the choices."""
    try:
        state = AgentState(value)
    except ValueError:
        state = None
    if state not in CHOSEN:
        raise ValidationError("state", "one of " + ", ".join(s.value for s in CHOSEN))
    return AgentState(value)


def current(session: Session, staff_ids: Iterable[int]) -> dict[int, Presence]:
    """Each agent's state now; agents without a row are available."""
    ids = list(staff_ids)
    rows = {
        row.staff_id: row
        for row in session.scalars(
            select(AgentPresence).where(col(AgentPresence.staff_id).in_(ids))
        )
    }
    return {staff_id: _presence(staff_id, rows.get(staff_id)) for staff_id in ids}


def set_state(
    session: Session,
    staff_id: int,
    state: AgentState,
    at: datetime,
    call_id: int | None = None,
    *,
    by_agent: bool = False,
) -> Presence:
    """Move the agent to `state` in the caller's transaction; InvalidState for a move the
    table refuses. Staying in the same state (and call) changes nothing."""
    row = _locked(session, staff_id, at)
    now_in = AgentState(row.state)
    if by_agent and now_in in BUSY:
        raise InvalidState(_busy_reason(now_in))
    if now_in == state and row.call_id == call_id:
        return _presence(staff_id, row)
    if state not in LEGAL[now_in]:
        if state == AgentState.ON_CALL:
            raise InvalidState(f"the agent is {now_in.value}, not available: they take no calls")
        raise InvalidState(f"an agent who is {now_in.value} cannot go {state.value}")
    open_period = session.scalar(
        select(AgentStateLog).where(
            col(AgentStateLog.staff_id) == staff_id, col(AgentStateLog.ended_at).is_(None)
        )
    )
    if open_period is not None:
        open_period.ended_at = at
    session.add(AgentStateLog(staff_id=staff_id, state=state.value, call_id=call_id, started_at=at))
    row.state, row.since, row.call_id = state.value, at, call_id
    session.flush()
    return _presence(staff_id, row)


def leave_call(
    session: Session, staff_id: int, call_id: int, state: AgentState, at: datetime
) -> bool:
    """The agent on `call_id` moves to `state` (wrap-up at the call's end, available when their
    leg went unanswered); False, and nothing changes, when their presence is on no such call
    (a callback they placed, or a call they were never put on)."""
    row = _locked(session, staff_id, at)
    if row.state != AgentState.ON_CALL.value or row.call_id != call_id:
        return False
    set_state(session, staff_id, state, at, call_id if state == AgentState.WRAP_UP else None)
    return True


def signed_off(session: Session, staff_id: int, at: datetime) -> bool:
    """The agent signed out (or their session timed out): available or on a break, they go
    offline, so routing sends them no call and the state report stops counting them as ready.
    On a call or in wrap-up they stay: the call goes on, and the wrap-up is still owed."""
    row = _locked(session, staff_id, at)
    if AgentState(row.state) in BUSY or row.state == AgentState.OFFLINE.value:
        return False
    set_state(session, staff_id, AgentState.OFFLINE, at)
    return True


def time_in_states(
    session: Session,
    staff_id: int,
    day: date,
    *,
    zone: ZoneInfo,
    now: datetime,
    wrap_up_limit: timedelta,
) -> StateTimes:
    """Seconds in each state on the local `day` (periods clipped to it; the open one runs to
    `now`), and how many wrap-ups started that day ran past `wrap_up_limit`."""
    start = datetime.combine(day, time(), zone)
    end = start + timedelta(days=1)
    periods = session.scalars(
        select(AgentStateLog).where(
            col(AgentStateLog.staff_id) == staff_id,
            col(AgentStateLog.started_at) < end,
            (col(AgentStateLog.ended_at).is_(None)) | (col(AgentStateLog.ended_at) > start),
        )
    )
    seconds = dict.fromkeys(AgentState, 0)
    wrap_ups = overran = 0
    for period in periods:
        ended = period.ended_at or now
        state = AgentState(period.state)
        seconds[state] += max(
            int((min(ended, end) - max(period.started_at, start)).total_seconds()), 0
        )
        if state == AgentState.WRAP_UP and period.started_at >= start:
            wrap_ups += 1
            overran += ended - period.started_at > wrap_up_limit
    return StateTimes(seconds, wrap_ups, overran)


def lock(session: Session, staff_id: int, at: datetime) -> Presence:
    """The agent's state, its row locked until the transaction ends."""
    return _presence(staff_id, _locked(session, staff_id, at))


def _locked(session: Session, staff_id: int, at: datetime) -> AgentPresence:
    """The agent's presence row, created (available) if missing, locked for the transaction.
    ON CONFLICT DO NOTHING lets two first changes at once both get to the lock."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(AgentPresence)
        .values(staff_id=staff_id, state=AgentState.AVAILABLE.value, since=at, call_id=None)
        .on_conflict_do_nothing(index_elements=["staff_id"])
    )
    row = session.scalar(
        select(AgentPresence)
        .where(col(AgentPresence.staff_id) == staff_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert row is not None  # inserted just above, or there already
    return row


def _presence(staff_id: int, row: AgentPresence | None) -> Presence:
    if row is None:
        return Presence(staff_id, AgentState.AVAILABLE, None, None)
    return Presence(staff_id, AgentState(row.state), row.since, row.call_id)


def _busy_reason(state: AgentState) -> str:
    if state == AgentState.ON_CALL:
        return "the agent is on a call: the call's end starts the wrap-up"
    return "the agent is in wrap-up: finish it with a disposition and a note"
