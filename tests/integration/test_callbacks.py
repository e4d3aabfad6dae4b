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
        wb.callbacks.record_outcome(world.staff["supervisor"], task_id=claim.task_id,
                                    outcome="reached")  # fmt: skip
    task = wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="reached",
                                       feedback="会员表示满意")  # fmt: skip
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
    task = wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="call_back_later",
                                       call_back_at=later)  # fmt: skip
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
        member = wb.registry.apply(session, application=application(store_code="NY01"),
                                   actor=world.staff["agent"])  # fmt: skip
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
            members.append(wb.registry.apply(session, application=application(store_code="SH01"),
                                             actor=world.staff["sales_own"]).id)  # fmt: skip
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
