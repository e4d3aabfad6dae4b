"""The live wallboard's figures, read in one go: per queue the calls waiting and the longest
wait, today's service level, abandonment and average handle time; callbacks due now; complaints
about to breach an SLA clock; agents by state; arrivals and service level per hour of the day.
Pure reads: a few small queries, then arithmetic. `store_id` narrows everything to one store's
part (calls and callbacks of its members, its complaints, its staff)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlmodel import Session, col

from workbench.callbacks.models import CallbackTask, TaskStatus
from workbench.clock import as_utc, local_day_start
from workbench.complaints.models import Complaint
from workbench.complaints.states import OPEN_STATES
from workbench.members.models import Member, Staff
from workbench.telephony.desk import CALL_ROLES, WAITING_HORIZON
from workbench.telephony.models import ENDED, Call, Direction
from workbench.telephony.presence_models import AgentPresence, AgentState

NOT_SIGNED_IN = "not_signed_in"  # an agent with no presence row yet


@dataclass(frozen=True)
class QueueFigures:
    queue: str
    waiting: int
    longest_wait_seconds: int | None  # None: nobody waiting
    offered: int  # inbound calls that arrived today and were answered or abandoned
    answered: int
    answered_in_time: int
    abandoned: int
    handled: int  # answered and ended, for the handle time
    handle_seconds_total: int

    @property
    def service_level_pct(self) -> float | None:
        return _pct(self.answered_in_time, self.offered)

    @property
    def abandoned_pct(self) -> float | None:
        return _pct(self.abandoned, self.offered)

    @property
    def average_handle_seconds(self) -> int | None:
        return round(self.handle_seconds_total / self.handled) if self.handled else None


@dataclass(frozen=True)
class WallboardFigures:
    at: datetime
    service_level_seconds: int
    queues: tuple[QueueFigures, ...]
    total: QueueFigures  # every queue together (queue "*")
    callbacks_due: int
    complaints_at_risk: int  # an SLA clock runs out within the warning window
    complaints_overdue: int  # an SLA clock has run out
    agents: dict[str, int]  # state (or NOT_SIGNED_IN) -> agents
    arrivals_by_hour: tuple[int, ...]  # 24 local hours of today
    service_level_by_hour: tuple[float | None, ...]  # by the hour the call arrived


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class _Tally:
    waiting: int = 0
    oldest: datetime | None = None
    offered: int = 0
    answered: int = 0
    in_time: int = 0
    abandoned: int = 0
    handled: int = 0
    handle_seconds: int = 0

    def figures(self, queue: str, now: datetime) -> QueueFigures:
        longest = int((now - self.oldest).total_seconds()) if self.oldest is not None else None
        return QueueFigures(
            queue,
            self.waiting,
            longest,
            self.offered,
            self.answered,
            self.in_time,
            self.abandoned,
            self.handled,
            self.handle_seconds,
        )


def wallboard_figures(
    session: Session,
    *,
    now: datetime,
    zone: tzinfo,
    service_level_seconds: int,
    warn_before: timedelta,
    store_id: int | None = None,
) -> WallboardFigures:
    day_start = local_day_start(now, zone).astimezone(UTC)
    limit = timedelta(seconds=service_level_seconds)
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    total = _Tally()
    arrivals = [0] * 24
    hour_offered = [0] * 24
    hour_in_time = [0] * 24
    since = min(day_start, now - WAITING_HORIZON)
    for row in _inbound_calls(session, since, store_id):
        started = as_utc(row.started_at)
        answered = as_utc(row.answered_at) if row.answered_at is not None else None
        kind = _kind(row, started, now)
        if kind is None or (kind != "waiting" and started < day_start):
            continue  # the menu or a voicemail only, a lost call, or yesterday's
        for tally in (tallies[row.queue or "-"], total):
            _count_call(tally, kind, started, answered, row.ended_at, limit)
        hour = started.astimezone(zone).hour
        arrivals[hour] += 1
        if kind != "waiting":
            hour_offered[hour] += 1
            hour_in_time[hour] += answered is not None and answered - started <= limit
    return WallboardFigures(
        at=now,
        service_level_seconds=service_level_seconds,
        queues=tuple(tallies[q].figures(q, now) for q in sorted(tallies)),
        total=total.figures("*", now),
        callbacks_due=_callbacks_due(session, now, store_id),
        **_complaint_clocks(session, now, warn_before, store_id),
        agents=_agents_by_state(session, store_id),
        arrivals_by_hour=tuple(arrivals),
        service_level_by_hour=tuple(map(_pct, hour_in_time, hour_offered)),
    )


def _kind(row: Row[Any], started: datetime, now: datetime) -> str | None:
    """`answered`, `abandoned` (ended before an agent answered) or `waiting` (for an agent,
    as the agents' list of waiting calls has it); None for a call that never waited for an
    agent (the points balance, a voicemail) or one open past the horizon (its end was lost)."""
    if row.answered_at is not None:
        return "answered"
    if row.voicemail or (row.menu_choice == "1" and row.member_id is not None):
        return None
    if row.status in ENDED or row.ended_at is not None:
        return "abandoned"
    if row.agent_id is not None or started < now - WAITING_HORIZON:
        return None  # an agent's phone is ringing; or a lost end
    return "waiting"


def _count_call(
    tally: _Tally,
    kind: str,
    started: datetime,
    answered: datetime | None,
    ended: datetime | None,
    limit: timedelta,
) -> None:
    if kind == "waiting":
        tally.waiting += 1
        tally.oldest = started if tally.oldest is None else min(tally.oldest, started)
        return
    tally.offered += 1
    if answered is None:
        tally.abandoned += 1
        return
    tally.answered += 1
    tally.in_time += answered - started <= limit
    if ended is not None:
        tally.handled += 1
        tally.handle_seconds += int((as_utc(ended) - answered).total_seconds())


def _inbound_calls(session: Session, since: datetime, store_id: int | None) -> list[Row[Any]]:
    query = select(
        col(Call.queue),
        col(Call.started_at),
        col(Call.answered_at),
        col(Call.ended_at),
        col(Call.status),
        col(Call.agent_id),
        col(Call.voicemail),
        col(Call.menu_choice),
        col(Call.member_id),
    ).where(col(Call.direction) == Direction.INBOUND.value, col(Call.started_at) >= since)
    if store_id is not None:
        query = query.join(Member, col(Member.id) == col(Call.member_id)).where(
            col(Member.store_id) == store_id
        )
    return list(session.execute(query))


def _callbacks_due(session: Session, now: datetime, store_id: int | None) -> int:
    query = (
        select(func.count())
        .select_from(CallbackTask)
        .where(
            col(CallbackTask.status) == TaskStatus.QUEUED.value,
            col(CallbackTask.next_attempt_at) <= now,
            col(CallbackTask.latest_at) > now,
        )
    )
    if store_id is not None:
        query = query.join(Member, col(Member.id) == col(CallbackTask.member_id)).where(
            col(Member.store_id) == store_id
        )
    return int(session.execute(query).scalar_one())


def _complaint_clocks(
    session: Session, now: datetime, warn_before: timedelta, store_id: int | None
) -> dict[str, int]:
    """Open complaints whose soonest running SLA clock is within `warn_before` of running
    out (at risk) or has run out (overdue). The first-response clock stops at the first
    response; the resolution clock is stopped while the complaint waits on the member."""
    horizon = now + warn_before
    query = select(
        col(Complaint.first_response_at),
        col(Complaint.first_response_due),
        col(Complaint.next_reply_due),
        col(Complaint.resolution_due),
        col(Complaint.paused_since),
    ).where(
        col(Complaint.state).in_([str(s) for s in OPEN_STATES]),
        or_(
            col(Complaint.first_response_due) <= horizon,
            col(Complaint.next_reply_due) <= horizon,
            col(Complaint.resolution_due) <= horizon,
        ),
    )
    if store_id is not None:
        query = query.where(col(Complaint.store_id) == store_id)
    at_risk = overdue = 0
    for first_at, first_due, reply_due, resolution_due, paused in session.execute(query):
        running = [reply_due]
        running.append(first_due if first_at is None else None)
        running.append(resolution_due if paused is None else None)
        dues = [as_utc(d) for d in running if d is not None]
        soonest = min(dues, default=None)
        if soonest is None or soonest > horizon:
            continue
        if soonest <= now:
            overdue += 1
        else:
            at_risk += 1
    return {"complaints_at_risk": at_risk, "complaints_overdue": overdue}


def _agents_by_state(session: Session, store_id: int | None) -> dict[str, int]:
    """Active staff who take calls, by presence state; those with no row have not signed in
    to the hotline yet."""
    query = (
        select(col(AgentPresence.state), func.count())
        .select_from(Staff)
        .outerjoin(AgentPresence, col(AgentPresence.staff_id) == col(Staff.id))
        .where(col(Staff.role).in_([str(r) for r in CALL_ROLES]), col(Staff.active).is_(True))
        .group_by(col(AgentPresence.state))
    )
    if store_id is not None:
        query = query.where(col(Staff.store_id) == store_id)
    counts: Counter[str] = Counter({str(s): 0 for s in AgentState})
    counts[NOT_SIGNED_IN] = 0
    for state, n in session.execute(query):
        counts[state or NOT_SIGNED_IN] += int(n)
    return dict(counts)
