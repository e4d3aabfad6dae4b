"""The complaint workflow as a state machine: which action leads from which state to which.
Pure; the service records every step and `replay` rebuilds a complaint's state from its steps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from workbench.errors import WorkbenchError


class State(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"  # to a department (and a handler)
    INVESTIGATING = "investigating"
    RESOLUTION_PROPOSED = "resolution_proposed"
    RESOLUTION_APPROVED = "resolution_approved"
    MEMBER_INFORMED = "member_informed"
    CLOSED = "closed"


class Action(StrEnum):
    ASSIGN = "assign"
    INVESTIGATE = "investigate"
    PROPOSE = "propose_resolution"
    APPROVE = "approve_resolution"
    REJECT = "reject_resolution"
    INFORM = "inform_member"
    SATISFIED = "satisfied"  # satisfaction recorded, member satisfied: closes
    NOT_SATISFIED = "not_satisfied"  # satisfaction recorded, not satisfied: handled again
    CLOSE = "supervisor_close"  # a supervisor closes it with a recorded reason


OPEN_STATES = frozenset(State) - {State.CLOSED}

TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.RECEIVED, Action.ASSIGN): State.ASSIGNED,
    (State.ASSIGNED, Action.ASSIGN): State.ASSIGNED,  # to another department or handler
    (State.INVESTIGATING, Action.ASSIGN): State.ASSIGNED,
    (State.ASSIGNED, Action.INVESTIGATE): State.INVESTIGATING,
    (State.INVESTIGATING, Action.PROPOSE): State.RESOLUTION_PROPOSED,
    (State.RESOLUTION_PROPOSED, Action.APPROVE): State.RESOLUTION_APPROVED,
    (State.RESOLUTION_PROPOSED, Action.REJECT): State.INVESTIGATING,
    (State.RESOLUTION_APPROVED, Action.INFORM): State.MEMBER_INFORMED,
    (State.MEMBER_INFORMED, Action.SATISFIED): State.CLOSED,
    (State.MEMBER_INFORMED, Action.NOT_SATISFIED): State.INVESTIGATING,
    **{(state, Action.CLOSE): State.CLOSED for state in OPEN_STATES},
}


class InvalidTransition(WorkbenchError):
    def __init__(self, state: State, action: Action | str) -> None:
        allowed = ", ".join(a.value for a in allowed_actions(state)) or "none (it is closed)"
        super().__init__(f"cannot {action} a complaint that is {state.value}; allowed: {allowed}")
        self.state = state
        self.action = action


def allowed_actions(state: State) -> list[Action]:
    return [action for (source, action) in TRANSITIONS if source == state]


def next_state(state: State, action: Action | str) -> State:
    try:
        key = (State(state), Action(action))
    except ValueError:
        raise InvalidTransition(State(state), action) from None
    if key not in TRANSITIONS:
        raise InvalidTransition(key[0], key[1])
    return TRANSITIONS[key]


@dataclass(frozen=True)
class Replayed:
    state: State
    round: int  # 1 for the first handling, +1 for each time the member was not satisfied


def replay(actions: Iterable[Action | str]) -> Replayed:
    """The state and round a complaint reaches by these steps from RECEIVED."""
    state, round_ = State.RECEIVED, 1
    for action in actions:
        state = next_state(state, action)
        if Action(action) == Action.NOT_SATISFIED:
            round_ += 1
    return Replayed(state, round_)
