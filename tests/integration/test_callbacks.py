"""Callback tasks: claiming with a lease and a grant, outcomes and retries, quiet hours, lapsed
leases, do-not-call, and concurrent claiming."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import add_staff, add_store, application
from workbench.callbacks.models import CallbackTask, TaskStatus
from workbench.callbacks.service import DuplicateTask
from workbench.errors import PermissionDenied, ValidationError
from workbench.members.models import Role
from workbench.permissions.access import AccessDenied


def _task(wb, member_id, reason="satisfaction_check", **kw):
    with wb.sessions() as session:
        task = wb.callbacks.schedule(session, member_id=member_id, reason=reason, **kw)
        session.commit()
        return task.id


def test_claim_grants_access_for_the_call_window(wb, world, clock):
    agent = world.staff["agent"]
    task_id = _task(wb, world.member_id)
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "callback")
    claim = wb.callbacks.claim_next(agent)
    assert claim.task_id == task_id and claim.member_no == world.member_no
    # 30 minutes of call window plus 10 of grace.
    assert claim.grant_until == clock.now() + timedelta(minutes=40)
    assert wb.access.view(agent, world.member_no, "callback").access_until == claim.grant_until
    assert wb.callbacks.claim_next(agent) is None  # nothing else queued
    clock.set(claim.grant_until - timedelta(microseconds=1))
    wb.access.view(agent, world.member_no, "callback")
    clock.set(claim.grant_until)
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "callback")


def test_finishing_the_task_ends_the_grant(wb, world):
    agent = world.staff["agent"]
    _task(wb, world.member_id)
    claim = wb.callbacks.claim_next(agent)
    with pytest.raises(PermissionDenied):
        wb.callbacks.record_outcome(
            world.staff["supervisor"], task_id=claim.task_id, outcome="reached"
        )
    task = wb.callbacks.record_outcome(
        agent, task_id=claim.task_id, outcome="reached", feedback="会员表示满意"
    )
    assert task.status == "done" and "会员" not in task.feedback_enc
    assert wb.callbacks.feedback(task) == "会员表示满意"
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "callback")


def test_no_answer_retries_with_backoff_then_unreached(wb, world, clock):
    agent = world.staff["agent"]
    _task(wb, world.member_id, latest_at=clock.now() + timedelta(days=7))
    claim = wb.callbacks.claim_next(agent)
    task = wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="no_answer")
    assert task.status == "queued" and task.next_attempt_at == clock.now() + timedelta(hours=1)
    assert wb.callbacks.claim_next(agent) is None  # not due yet
    clock.advance(hours=1)
    claim = wb.callbacks.claim_next(agent)
    task = wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="busy")
    assert task.next_attempt_at == clock.now() + timedelta(hours=2)
    clock.advance(hours=2)
    claim = wb.callbacks.claim_next(agent)
    task = wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="no_answer")
    assert task.status == "unreached" and task.attempts == 3


def test_call_back_later_and_validation(wb, world, clock):
    agent = world.staff["agent"]
    _task(wb, world.member_id)
    claim = wb.callbacks.claim_next(agent)
    with pytest.raises(ValidationError, match="outcome"):
        wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="eaten_by_dog")
    with pytest.raises(ValidationError, match="call_back_at"):
        wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="call_back_later")
    later = clock.now() + timedelta(hours=5)
    task = wb.callbacks.record_outcome(
        agent, task_id=claim.task_id, outcome="call_back_later", call_back_at=later
    )
    assert task.status == "queued" and task.next_attempt_at == later


def test_do_not_call_is_honoured_for_good(wb, world):
    agent = world.staff["agent"]
    _task(wb, world.member_id, reason="satisfaction_check")
    _task(wb, world.member_id, reason="points_expiring")
    claim = wb.callbacks.claim_next(agent)
    wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="do_not_call")
    with wb.sessions() as session:
        statuses = session.scalars(select(CallbackTask.status)).all()
        assert set(statuses) == {"cancelled"}
    with pytest.raises(ValidationError, match="asked not to be called"):
        _task(wb, world.member_id, reason="birthday_care")


def test_one_open_task_per_reason(wb, world):
    _task(wb, world.member_id, reason="tier_change")
    with pytest.raises(DuplicateTask):
        _task(wb, world.member_id, reason="tier_change")
    _task(wb, world.member_id, reason="birthday_care")
    with pytest.raises(ValidationError, match="reason"):
        _task(wb, world.member_id, reason="gossip")


def test_lapsed_lease_returns_the_task_and_ends_the_grant(wb, world, clock):
    agent = world.staff["agent"]
    _task(wb, world.member_id)
    claim = wb.callbacks.claim_next(agent)
    clock.advance(minutes=29)
    assert wb.callbacks.return_lapsed_leases() == 0
    clock.advance(minutes=1)
    assert wb.callbacks.return_lapsed_leases() == 1
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "callback")
    other = wb.callbacks.claim_next(world.staff["supervisor"])
    assert other.task_id == claim.task_id
    with pytest.raises(PermissionDenied):
        wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="reached")


def test_quiet_hours_in_the_members_time_zone(wb, world, clock):
    with wb.sessions() as session:
        add_store(session, "NY01", timezone="America/New_York")
        member = wb.registry.apply(
            session, application=application(store_code="NY01"), actor=world.staff["agent"]
        )
        session.commit()
        ny_member = member.id
    # 12:00 in Shanghai is 23:00 (or 00:00) in New York: only the Shanghai member is called.
    clock.set(datetime(2026, 3, 2, 4, 0, tzinfo=UTC))
    ny_task = _task(wb, ny_member, priority=10)
    sh_task = _task(wb, world.member_id)
    assert wb.callbacks.claim_next(world.staff["agent"]).task_id == sh_task
    # 09:30 in New York is 22:30 in Shanghai.
    clock.set(datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
    assert wb.callbacks.claim_next(world.staff["supervisor"]).task_id == ny_task


def test_assigned_and_team_tasks(wb, world, clock):
    with wb.sessions() as session:
        care = add_staff(session, clock, "care1", Role.AGENT)
        care.team = "care"
        session.commit()
    _task(wb, world.member_id, reason="birthday_care", team="care")
    _task(wb, world.member_id, reason="tier_change", assigned_staff_id=world.staff["supervisor"].id)
    assert wb.callbacks.claim_next(world.staff["agent"]) is None
    assert wb.callbacks.claim_next(care).reason == "birthday_care"
    assert wb.callbacks.claim_next(world.staff["supervisor"]).reason == "tier_change"


def test_twenty_agents_never_get_the_same_task(wb, world, clock):
    with wb.sessions() as session:
        agents = [add_staff(session, clock, f"claimer{i}", Role.AGENT) for i in range(20)]
        members = []
        for _ in range(60):
            members.append(
                wb.registry.apply(
                    session,
                    application=application(store_code="SH01"),
                    actor=world.staff["sales_own"],
                ).id
            )
        for member_id in members:
            wb.callbacks.schedule(session, member_id=member_id, reason="campaign")
        session.commit()
        for agent in agents:
            session.expunge(agent)

    def work(agent):
        claimed = []
        while (claim := wb.callbacks.claim_next(agent)) is not None:
            claimed.append(claim.task_id)
            wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="reached")
        return claimed

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(work, agents))
    claimed = [task for result in results for task in result]
    assert len(claimed) == len(set(claimed)) == 60
    with wb.sessions() as session:
        assert set(session.scalars(select(CallbackTask.status)).all()) == {TaskStatus.DONE.value}


def _status(wb, task_id):
    with wb.sessions() as session:
        return session.get(CallbackTask, task_id).status


def test_a_task_past_its_window_expires_and_no_longer_blocks_its_reason(wb, world, clock):
    stale = _task(
        wb, world.member_id, reason="tier_change", latest_at=clock.now() + timedelta(hours=2)
    )
    with pytest.raises(DuplicateTask):
        _task(wb, world.member_id, reason="tier_change")
    clock.advance(hours=2)
    assert wb.callbacks.claim_next(world.staff["agent"]) is None  # never offered once past
    # Scheduling the same reason again closes the stale task first (no job needed for that).
    fresh = _task(wb, world.member_id, reason="tier_change")
    assert _status(wb, stale) == "expired" and _status(wb, fresh) == "queued"
    with wb.sessions() as session:
        assert session.get(CallbackTask, stale).closed_at == clock.now()
    assert wb.callbacks.claim_next(world.staff["agent"]).task_id == fresh


def test_the_expiry_job_closes_queued_and_abandoned_tasks_but_not_live_claims(wb, world, clock):
    agent = world.staff["agent"]
    with wb.sessions() as session:
        others = [
            wb.registry.apply(
                session, application=application(store_code="SH01"), actor=world.staff["sales_own"]
            ).id
            for _ in range(2)
        ]
        session.commit()
    # The grant outlives the window by the grace period: until +35 min for the first claim.
    window = {"latest_at": clock.now() + timedelta(minutes=25)}
    abandoned = _task(wb, world.member_id, priority=9, **window)
    live = _task(wb, others[1], priority=8, **window)
    queued = _task(wb, others[0], **window)
    assert wb.callbacks.claim_next(agent).task_id == abandoned  # lease until +30 min
    clock.advance(minutes=1)
    assert wb.callbacks.claim_next(world.staff["supervisor"]).task_id == live  # until +31
    assert wb.callbacks.expire_past_windows() == 0  # every window is still open
    clock.advance(minutes=29, seconds=30)  # windows over; the agent's lease lapsed, not the other
    assert wb.callbacks.expire_past_windows() == 2
    assert [_status(wb, t) for t in (queued, abandoned, live)] == ["expired", "expired", "claimed"]
    with pytest.raises(AccessDenied):  # the abandoned claim's grant ended with it
        wb.access.view(agent, world.member_no, "callback")
    clock.advance(minutes=1)  # the second lease lapses too: that agent went away as well
    assert wb.callbacks.expire_past_windows() == 1
    assert wb.callbacks.expire_past_windows() == 0
    assert _status(wb, live) == "expired"


def test_the_agent_of_a_live_claim_past_the_window_still_records_the_outcome(wb, world, clock):
    agent = world.staff["agent"]
    task_id = _task(wb, world.member_id, latest_at=clock.now() + timedelta(minutes=10))
    wb.callbacks.claim_next(agent)
    clock.advance(minutes=15)
    assert wb.callbacks.expire_past_windows() == 0
    task = wb.callbacks.record_outcome(agent, task_id=task_id, outcome="reached")
    assert task.status == "done"


def _members_of(wb, world, store_code, n):
    with wb.sessions() as session:
        ids = [
            wb.registry.apply(
                session, application=application(store_code=store_code), actor=world.staff["agent"]
            ).id
            for _ in range(n)
        ]
        session.commit()
    return ids


def test_a_callable_task_behind_more_than_fifty_quiet_hour_tasks_is_claimed(wb, world, clock):
    with wb.sessions() as session:
        add_store(session, "NY01", timezone="America/New_York")
        session.commit()
    # 12:00 in Shanghai is midnight in New York: none of these 60 may be called now, and they
    # all come first (higher priority).
    clock.set(datetime(2026, 3, 2, 4, 0, tzinfo=UTC))
    with wb.sessions() as session:
        for member_id in _members_of(wb, world, "NY01", 60):
            wb.callbacks.schedule(session, member_id=member_id, reason="campaign", priority=10)
        session.commit()
    callable_task = _task(wb, world.member_id)
    claim = wb.callbacks.claim_next(world.staff["agent"])
    assert claim is not None and claim.task_id == callable_task
    assert wb.callbacks.claim_next(world.staff["agent"]) is None


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_tasks_other_agents_hold_are_skipped_not_waited_for(wb, world):
    held = []
    with wb.sessions() as session:
        for member_id in _members_of(wb, world, "SH01", 55):
            held.append(
                wb.callbacks.schedule(
                    session, member_id=member_id, reason="campaign", priority=10
                ).id
            )
        session.commit()
    free = _task(wb, world.member_id)
    with wb.engine.connect() as other:  # another agent's transaction, mid-claim
        other.execute(select(CallbackTask.id).where(CallbackTask.id.in_(held)).with_for_update())
        claim = wb.callbacks.claim_next(world.staff["agent"])
        assert claim is not None and claim.task_id == free
        other.rollback()
    assert wb.callbacks.claim_next(world.staff["agent"]).task_id in held


def test_due_count_is_what_the_agent_could_claim(wb, world, clock):
    from datetime import timedelta

    from tests.factories import application

    agent = world.staff["agent"]
    members = []
    with wb.sessions() as session:
        for _ in range(4):
            m = wb.registry.apply(
                session, application=application(store_code="SH01"), actor=world.staff["sales_own"]
            )
            members.append(m.id)
        session.flush()
        wb.callbacks.schedule(session, member_id=members[0], reason="tier_change")  # due
        wb.callbacks.schedule(
            session,
            member_id=members[1],
            reason="tier_change",
            earliest_at=clock.now() + timedelta(days=1),
        )  # later
        wb.callbacks.schedule(
            session,
            member_id=members[2],
            reason="tier_change",
            assigned_staff_id=world.staff["supervisor"].id,
        )  # someone else's
        wb.callbacks.schedule(session, member_id=members[3], reason="tier_change", team="care")
        session.commit()
    assert wb.callbacks.due_count(agent) == 1 + (agent.team == "care")
    claim = wb.callbacks.claim_next(agent)
    assert claim is not None and wb.callbacks.due_count(agent) == (agent.team == "care")


def test_the_callback_desk_schedules_claims_with_the_profile_and_records(wb, world, clock):
    """The use cases the screens call: one task scheduled, claimed with the member's profile
    read through the claim's grant, listed as the agent's, then done."""
    desk, agent = wb.usecases.callbacks, world.staff["agent"]
    seller = world.staff["sales_own"]  # schedules for their own customer (agent: no grant yet)
    task_id = desk.schedule(seller, world.member_id, "satisfaction_check", within=timedelta(days=2))
    with pytest.raises(DuplicateTask):
        desk.schedule(seller, world.member_id, "satisfaction_check", within=timedelta(days=2))
    assert desk.due_count(agent) == 1 and desk.due_count(world.staff["sales_own"]) is None
    claimed = desk.claim_next_with_view(agent)
    assert claimed is not None and claimed.claim.task_id == task_id
    assert claimed.view.member_no == world.member_no and claimed.view.basis == "grant"
    assert [t.task_id for t in desk.my_tasks(agent)] == [task_id]
    recorded = desk.record_outcome(agent, task_id, "reached", feedback="满意")
    assert (recorded.status, recorded.outcome) == ("done", "reached")
    assert desk.my_tasks(agent) == [] and desk.claim_next_with_view(agent) is None
