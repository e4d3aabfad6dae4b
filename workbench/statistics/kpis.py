"""Agents' figures, one grouped query each: callback calls made and their outcomes, complaints
closed with the member's satisfaction. Raw counts per staff id; the service scopes them."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from workbench.callbacks.models import CallbackAttempt, Outcome
from workbench.complaints.models import Complaint
from workbench.complaints.states import State
from workbench.statistics.period import Period

# The outcomes that finish a task with the member spoken to (TaskStatus.DONE in callbacks).
DONE_OUTCOMES = (Outcome.REACHED.value, Outcome.REFUSED.value)
FIGURES = (
    "calls",
    "reached",
    "callbacks_done",
    "complaints_closed",
    "complaints_resolved",
    "scores",
    "score_sum",
)


def agent_figures(session: Session, period: Period) -> dict[int, dict[str, int]]:
    figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    calls = (
        select(
            col(CallbackAttempt.staff_id),
            func.count(),
            func.sum(case((col(CallbackAttempt.outcome) == Outcome.REACHED.value, 1), else_=0)),
            func.sum(case((col(CallbackAttempt.outcome).in_(DONE_OUTCOMES), 1), else_=0)),
        )
        .where(col(CallbackAttempt.at) >= period.start, col(CallbackAttempt.at) < period.end)
        .group_by(col(CallbackAttempt.staff_id))
    )
    for staff_id, n, reached, done in session.execute(calls):
        row = figures[staff_id]
        row["calls"], row["reached"], row["callbacks_done"] = n, int(reached or 0), int(done or 0)
    # A complaint is the handler's; one closed without a named handler is the agent's who took it.
    owner = func.coalesce(col(Complaint.handler_id), col(Complaint.received_by_id))
    closed = (
        select(
            owner,
            func.count(),
            # A supervisor's close records a reason; every other close is the member satisfied.
            func.sum(case((col(Complaint.closed_reason).is_(None), 1), else_=0)),
            func.count(col(Complaint.satisfaction)),
            func.sum(col(Complaint.satisfaction)),
        )
        .where(
            col(Complaint.state) == State.CLOSED.value,
            col(Complaint.closed_at) >= period.start,
            col(Complaint.closed_at) < period.end,
            owner.is_not(None),
        )
        .group_by(owner)
    )
    for staff_id, n, resolved, scores, score_sum in session.execute(closed):
        row = figures[staff_id]
        row["complaints_closed"], row["complaints_resolved"] = n, int(resolved or 0)
        row["scores"], row["score_sum"] = scores, int(score_sum or 0)
    return dict(figures)
