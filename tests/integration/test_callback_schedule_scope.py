"""Scheduling a callback obeys the scope of reading the member (permissions/access.py): their
store, their own customers, a live grant. Anyone else, or an id no member has, is refused in
the same words, audited, and no task is made."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import callback_grant as _grant
from workbench.audit.models import AuditEntry
from workbench.callbacks.models import CallbackTask
from workbench.permissions.access import AccessDenied, MemberOutOfReach

NO_SUCH_MEMBER = 987_654


def _schedule(wb, world, who, member_id=None):
    return wb.usecases.callbacks.schedule(
        world.staff[who],
        world.member_id if member_id is None else member_id,
        "member_request",
        within=timedelta(days=2),
    )


def _tasks(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(CallbackTask))


def _refusal(wb, world, who, member_id=None) -> str:
    with pytest.raises(MemberOutOfReach) as refused:
        _schedule(wb, world, who, member_id)
    return str(refused.value)


@pytest.mark.parametrize("who", ["manager_own", "sales_own"])
def test_the_members_store_and_their_sales_person_schedule(wb, world, who):
    assert _schedule(wb, world, who) > 0 and _tasks(wb) == 1


@pytest.mark.parametrize(
    "who", ["agent", "supervisor", "manager_other", "agent_branch", "sales_other", "analyst"]
)
def test_out_of_scope_reads_the_same_as_no_such_member(wb, world, who):
    out_of_scope = _refusal(wb, world, who)
    assert out_of_scope == _refusal(wb, world, who, NO_SUCH_MEMBER)
    assert out_of_scope == "you may not see it, or there is no such member"
    assert _tasks(wb) == 0
    with wb.sessions() as session:
        denied = session.execute(
            select(AuditEntry.member_id, AuditEntry.result, AuditEntry.actor_id)
            .where(AuditEntry.action == "callback_schedule")
            .order_by(AuditEntry.seq)
        ).all()
    actor = world.staff[who].id
    assert denied == [(world.member_id, "denied", actor), (None, "denied", actor)]


def test_a_live_grant_opens_scheduling_as_it_opens_the_profile(wb, world, clock):
    with pytest.raises(MemberOutOfReach):
        _schedule(wb, world, "agent")
    _grant(wb, world, "agent")
    assert wb.usecases.members.view_by_id(world.staff["agent"], world.member_id, "callback")
    assert _schedule(wb, world, "agent") > 0
    clock.advance(timedelta(minutes=31))  # the grant has ended
    with pytest.raises(AccessDenied):
        _schedule(wb, world, "agent")
    assert _tasks(wb) == 1


def test_a_grant_on_a_branch_member_does_not_reach_across_branches(wb, world):
    _grant(wb, world, "agent_branch")  # BJ's agent, SH's member: the branch rule wins
    assert _refusal(wb, world, "agent_branch") == _refusal(wb, world, "agent", NO_SUCH_MEMBER)
    assert _tasks(wb) == 0
