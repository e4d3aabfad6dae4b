"""The desk's rules as the use cases give them (issue 17): only the complaint steps the role may
take are offered, a wait on the member needs its note, and a callback that cannot be made now
says why and when the next one can."""

from datetime import UTC, datetime, timedelta

import pytest

from workbench.complaints.service import ComplaintIntake
from workbench.errors import ValidationError


def _complaint(wb, world) -> str:
    intake = ComplaintIntake(
        channel="hotline",
        category="billing",
        description="会员卡被重复扣费两次",
        member_no=world.member_no,
    )
    return wb.usecases.complaints.open(world.staff["agent"], intake)


def test_each_role_is_offered_only_its_steps(wb, world):
    desk = wb.usecases.complaints
    number = _complaint(wb, world)
    assert desk.steps_allowed(world.staff["agent"], number) == ("assign", "reply", "wait")
    assert desk.steps_allowed(world.staff["supervisor"], number) == (
        "assign",
        "supervisor_close",
        "reply",
        "wait",
    )


def test_a_wait_on_the_member_needs_its_note(wb, world):
    desk, agent = wb.usecases.complaints, world.staff["agent"]
    number = _complaint(wb, world)
    with pytest.raises(ValidationError) as refused:
        desk.take_step(agent, number, "wait", {"note": "  "})
    assert refused.value.field == "note"
    assert desk.card(agent, number).paused is False  # nothing recorded: the SLA runs on
    card = desk.take_step(agent, number, "wait", {"note": "等会员提供发票"})
    assert card.paused is True
    assert desk.steps_allowed(agent, number)[-1] == "resume"


def _schedule(wb, world):
    with wb.sessions() as session:
        wb.callbacks.schedule(session, member_id=world.member_id, reason="satisfaction_check")
        session.commit()


def test_nothing_waiting_says_so(wb, world):
    nxt = wb.usecases.callbacks.next_callable(world.staff["agent"])
    assert nxt is not None and (nxt.callable_now, nxt.reason, nxt.next_at) == (
        False,
        "empty",
        None,
    )
    assert wb.usecases.callbacks.next_callable(world.staff["analyst"]) is None


def test_outside_calling_hours_the_next_window_is_given(wb, world, clock):
    desks = wb.usecases.callbacks
    agent = world.staff["agent"]
    _schedule(wb, world)
    # 09:00 in Shanghai: inside calling hours (09:00-20:00), one can be made now.
    nxt = desks.next_callable(agent)
    assert nxt is not None and nxt.callable_now and nxt.reason == "now"
    # 21:00 in Shanghai: quiet time; the claim finds none and the next window is 09:00.
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))
    assert desks.claim_next(agent) is None
    assert desks.due_count(agent) == 1  # the home screen's count: due, calling hours aside
    nxt = desks.next_callable(agent)
    assert nxt is not None
    assert (nxt.callable_now, nxt.reason) == (False, "quiet")
    assert (nxt.calling_start, nxt.calling_end) == ("09:00", "20:00")
    assert nxt.next_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    # At the window, the claim finds it.
    clock.set(nxt.next_at)
    assert desks.claim_next(agent) is not None


def test_a_task_not_due_yet_gives_its_time(wb, world, clock):
    desks = wb.usecases.callbacks
    agent = world.staff["agent"]
    at = clock.now() + timedelta(hours=3)  # 12:00 in Shanghai
    desks.schedule(
        world.staff["sales_own"],  # the member's sales person (the agent has no grant)
        world.member_id,
        "member_request",
        earliest_at=at,
        latest_at=at + timedelta(days=1),
    )
    nxt = desks.next_callable(agent)
    assert nxt is not None
    assert (nxt.callable_now, nxt.reason, nxt.next_at) == (False, "later", at)
