"""The capacity holds under concurrent sign-ups: 50 members signing up at once for 20 places on
PostgreSQL (threads, each with its own session) give exactly 20 places and a waitlist of 30 in
the order they got the activity's lock; and, on both backends, a sign-up for the last place
held open makes a second one wait and then land on the waitlist."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.activities_scene import build_scene, local, plan
from tests.interleave import interleave
from workbench.activities.models import Activity, ActivitySignup
from workbench.members.models import Member


@pytest.fixture
def scene(wb, clock):
    return build_scene(wb, clock, extra_regulars=44)  # 50 members in all


def _approved(wb, scene, capacity: int) -> str:
    desk = wb.usecases.activities
    code = desk.create(scene.staff["marketing"], plan(capacity=str(capacity), stores="")).line.code
    desk.submit(scene.staff["marketing"], code)
    desk.approve(scene.staff["supervisor"], code)
    return code


def test_fifty_sign_ups_at_once_for_twenty_places(wb, clock, scene):
    if wb.engine.dialect.name != "postgresql":
        pytest.skip("threads racing for row locks: PostgreSQL (SQLite has one writer at a time)")
    code = _approved(wb, scene, 20)
    clock.set(local("2026-03-08 10:00"))
    members = [p.member_no for key, p in scene.members.items() if key != "optout"]
    members.append(scene.members["optout"].member_no)  # opted out of SMS, may still sign up
    assert len(members) == 50
    desk, agent = wb.usecases.activities, scene.staff["agent"]
    start = threading.Barrier(len(members))
    outcomes: dict[str, object] = {}

    def sign_up(member_no: str) -> None:
        start.wait(30)
        try:
            outcomes[member_no] = desk.sign_up(agent, code, member_no)
        except Exception as exc:  # recorded: the assertion below shows it
            outcomes[member_no] = exc

    threads = [threading.Thread(target=sign_up, args=(no,)) for no in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    failures = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert not failures, failures[:3]
    statuses = [getattr(o, "status", None) for o in outcomes.values()]
    assert statuses.count("confirmed") == 20 and statuses.count("waitlisted") == 30
    positions = sorted(getattr(o, "waitlist_position", 0) or 0 for o in outcomes.values())
    assert positions[20:] == list(range(1, 31))  # each waitlisted member has their own turn
    with wb.sessions() as session:
        activity = session.scalars(select(Activity).where(Activity.code == code)).one()
        assert activity.taken == 20
        confirmed = session.scalar(
            select(func.count()).where(
                ActivitySignup.activity_id == activity.id, ActivitySignup.status == "confirmed"
            )
        )
        assert confirmed == 20
    # Freed places go to the waitlist's first, in order.
    first_waiting = desk.waitlist(agent, code)[:2]
    confirmed_members = [
        p.member.member_no for p in desk.participants(agent, code) if p.status == "confirmed"
    ]
    clock.advance(minutes=5)
    for member_no in confirmed_members[:2]:
        desk.cancel_signup(agent, code, member_no)
    now_confirmed = {
        p.member.member_no for p in desk.participants(agent, code) if p.status == "confirmed"
    }
    assert {w.member.member_no for w in first_waiting} <= now_confirmed
    assert len(now_confirmed) == 20


def test_a_sign_up_for_the_last_place_makes_the_next_one_wait(wb, clock, scene):
    code = _approved(wb, scene, 1)
    clock.set(local("2026-03-08 10:00"))
    desk, agent = wb.usecases.activities, scene.staff["agent"]
    first, second = scene.members["silver"], scene.members["gold"]

    def hold_the_last_place(session) -> None:
        service = desk.service
        activity = service.by_code(session, code)
        service.sign_up(
            session,
            activity,
            session.get_one(Member, first.member_id),
            channel="staff",
            staff_id=agent.id,
        )

    seen = interleave(wb, hold_the_last_place, lambda: desk.sign_up(agent, code, second.member_no))
    assert seen.second_after_first
    assert getattr(seen.second, "status", seen.second) == "waitlisted"
    assert getattr(seen.second, "waitlist_position", None) == 1


def test_two_first_check_ins_at_once_both_get_in(wb, clock, scene):
    """The first check-in starts the activity; a second desk checking another member in at the
    same moment waits for it and then finds the activity running (it is not refused)."""
    code = _approved(wb, scene, 2)
    clock.set(local("2026-03-08 10:00"))
    desk, agent, sales = wb.usecases.activities, scene.staff["agent"], scene.staff["sales_sh"]
    first, second = scene.members["silver"], scene.members["gold"]
    for person in (first, second):
        desk.sign_up(agent, code, person.member_no)
    clock.set(local("2026-03-20 14:00"))

    def first_check_in(session) -> None:
        service = desk.service
        activity = service.by_code(session, code)
        member = session.get_one(Member, first.member_id)
        service.check_in(session, activity, member, actor=sales)

    seen = interleave(wb, first_check_in, lambda: desk.check_in(sales, code, second.card_no))
    assert seen.second_after_first
    assert getattr(seen.second, "points", seen.second) == 200
    assert desk.show(sales, code).line.state == "running"
    assert desk.counts(scene.staff["supervisor"], code).checked_in == 2
