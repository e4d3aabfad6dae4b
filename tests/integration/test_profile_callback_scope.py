"""The profile's plain callback (F4 with no time: `members.schedule_callback`) obeys the same
scope as the callback desk's `schedule`, through the one rule both call: the member's store,
their own customers, a live grant. Anyone else, or an id no member has, is refused in the same
words, audited as callback_schedule/denied, and no task is made."""

from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import callback_grant
from workbench.audit.models import AuditEntry
from workbench.callbacks.models import CallbackTask
from workbench.callbacks.service import DuplicateTask
from workbench.permissions.access import MemberOutOfReach

NO_SUCH_MEMBER = 987_654


def _schedule(wb, world, who, member_id=None, reason="member_request"):
    return wb.usecases.members.schedule_callback(
        world.staff[who], world.member_id if member_id is None else member_id, reason, 3
    )


def _tasks(wb) -> list[tuple[int, str]]:
    with wb.sessions() as session:
        return list(session.execute(select(CallbackTask.member_id, CallbackTask.reason)).all())


def _refusal(wb, world, who, member_id=None) -> str:
    with pytest.raises(MemberOutOfReach) as refused:
        _schedule(wb, world, who, member_id)
    return str(refused.value)


@pytest.mark.parametrize("who", ["manager_own", "sales_own"])
def test_the_members_store_and_their_sales_person_schedule(wb, world, clock, who):
    assert _schedule(wb, world, who) > 0
    assert _tasks(wb) == [(world.member_id, "member_request")]
    with wb.sessions() as session:
        task = session.scalar(select(CallbackTask))
        latest = task.latest_at  # SQLite hands it back without its zone (stored in UTC)
    latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
    assert latest == clock.now() + timedelta(days=3)


@pytest.mark.parametrize(
    "who", ["agent", "supervisor", "manager_other", "agent_branch", "sales_other", "analyst"]
)
def test_out_of_scope_reads_as_no_such_member_and_as_the_callback_desk(wb, world, who):
    out_of_scope = _refusal(wb, world, who)
    assert out_of_scope == _refusal(wb, world, who, NO_SUCH_MEMBER)
    with pytest.raises(MemberOutOfReach) as desk:
        wb.usecases.callbacks.schedule(world.staff[who], world.member_id, "member_request")
    assert out_of_scope == str(desk.value) == "you may not see it, or there is no such member"
    assert _tasks(wb) == []
    with wb.sessions() as session:
        denied = session.execute(
            select(AuditEntry.member_id, AuditEntry.result, AuditEntry.actor_id)
            .where(AuditEntry.action == "callback_schedule")
            .order_by(AuditEntry.seq)
        ).all()
    actor = world.staff[who].id
    assert denied == [
        (world.member_id, "denied", actor),
        (None, "denied", actor),
        (world.member_id, "denied", actor),
    ]


def test_a_live_grant_opens_it_and_its_end_closes_it(wb, world, clock):
    with pytest.raises(MemberOutOfReach):
        _schedule(wb, world, "agent")
    callback_grant(wb, world, "agent")
    assert _schedule(wb, world, "agent") > 0
    clock.advance(timedelta(minutes=31))
    with pytest.raises(MemberOutOfReach):
        _schedule(wb, world, "agent", reason="satisfaction_check")
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CallbackTask)) == 1


def test_the_members_own_rules_still_hold_for_those_in_scope(wb, world):
    _schedule(wb, world, "sales_own")
    with pytest.raises(DuplicateTask, match="already has an open member_request callback"):
        _schedule(wb, world, "manager_own")
    assert len(_tasks(wb)) == 1
