"""Every legal and illegal transition of the complaint workflow, and replay."""

import pytest

from workbench.complaints.states import (
    OPEN_STATES,
    TRANSITIONS,
    Action,
    InvalidTransition,
    State,
    allowed_actions,
    next_state,
    replay,
)

HAPPY_PATH = [
    Action.ASSIGN,
    Action.INVESTIGATE,
    Action.PROPOSE,
    Action.APPROVE,
    Action.INFORM,
    Action.SATISFIED,
]


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_pair_is_either_legal_or_refused_naming_the_allowed(state, action):
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) == TRANSITIONS[(state, action)]
        return
    with pytest.raises(InvalidTransition) as refused:
        next_state(state, action)
    message = str(refused.value)
    assert state.value in message and action.value in message
    for allowed in allowed_actions(state):
        assert allowed.value in message


def test_closed_allows_nothing():
    assert allowed_actions(State.CLOSED) == []
    with pytest.raises(InvalidTransition, match="none"):
        next_state(State.CLOSED, Action.ASSIGN)


def test_a_supervisor_can_close_from_every_open_state():
    for state in OPEN_STATES:
        assert next_state(state, Action.CLOSE) == State.CLOSED


def test_unknown_action_is_refused():
    with pytest.raises(InvalidTransition):
        next_state(State.RECEIVED, "teleport")


def test_replay_happy_path_and_three_reopen_rounds():
    assert replay(HAPPY_PATH) == replay(HAPPY_PATH)
    assert replay(HAPPY_PATH).state == State.CLOSED and replay(HAPPY_PATH).round == 1
    unhappy_round = [Action.PROPOSE, Action.APPROVE, Action.INFORM, Action.NOT_SATISFIED]
    steps = [Action.ASSIGN, Action.INVESTIGATE] + unhappy_round * 3
    assert replay(steps).state == State.INVESTIGATING and replay(steps).round == 4
    closed = replay(steps + [Action.PROPOSE, Action.APPROVE, Action.INFORM, Action.SATISFIED])
    assert (closed.state, closed.round) == (State.CLOSED, 4)


def test_replay_refuses_an_impossible_history():
    with pytest.raises(InvalidTransition):
        replay([Action.ASSIGN, Action.APPROVE])
