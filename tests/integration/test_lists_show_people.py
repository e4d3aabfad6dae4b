"""Lists show people, not ids (issue 22 item 9): the audit log, access grants, change
requests, a complaint's timeline and the outbox's failures name a member by number and masked
name and a staff member by name."""

from datetime import timedelta

from sqlalchemy import select

from tests.integration.test_complaints import _investigating
from workbench.messaging.models import MessageStatus, OutboxMessage

MASKED = "张*"  # the world's member, 张伟


def _member(world) -> str:
    return f"{world.member_no} {MASKED}"


def test_the_audit_log_names_the_actor_and_the_member(wb, world, run_cli, monkeypatch):
    monkeypatch.setattr("workbench.cli.audit.console.width", 200)  # eight columns, unwrapped
    wb.access.view(world.staff["sales_own"], world.member_no, "service")  # an audited read
    rows = wb.usecases.protection.audit_entries(world.staff["supervisor"], limit=200)
    about = [r for r in rows if r.member_id == world.member_id]
    assert about and all(r.member == _member(world) for r in about)
    read = [r for r in about if r.actor_id == world.staff["sales_own"].id]
    assert read and all(r.actor == "sales_own (sales_own)" for r in read)
    code, out, _ = run_cli("audit", "show", "--member", world.member_no, user="supervisor")
    assert code == 0 and world.member_no in out and MASKED in out and "(sales_own)" in out


def test_grants_name_the_member(wb, world, run_cli):
    now = wb.clock.now()
    wb.usecases.protection.create_grant(
        world.staff["admin"],
        to="agent",
        member_no=world.member_no,
        fields={"phone"},
        starts_at=now,
        ends_at=now + timedelta(minutes=30),
        reason="回访",
    )
    (grant,) = wb.usecases.protection.grants_of(world.staff["supervisor"], "agent")
    assert grant.member == _member(world)
    code, out, _ = run_cli("grants", "list", "--to", "agent", user="supervisor")
    assert code == 0 and world.member_no in out and MASKED in out and "member id" not in out
    # The agent's own list on the home screen: number and masked name.
    (live,) = wb.usecases.dashboard.live_grants(world.staff["agent"])
    assert (live.member_no, live.masked_name) == (world.member_no, MASKED)


def test_change_requests_name_the_member_and_who_asked(wb, world, run_cli):
    wb.changes.request(
        world.staff["sales_own"],
        member_no=world.member_no,
        field="name",
        new_value="张三",
        reason="spelling",
    )
    (change,) = wb.usecases.members.pending_changes(world.staff["manager_own"])
    assert change.member == _member(world) and change.requested_by == "sales_own (sales_own)"
    code, out, _ = run_cli("members", "changes", user="manager_own")
    assert code == 0 and world.member_no in out and MASKED in out and "(sales_own)" in out
    assert "member id" not in out


def test_a_complaints_timeline_names_its_staff(wb, world, run_cli):
    number = _investigating(wb, world)
    card = wb.usecases.complaints.card(world.staff["supervisor"], number)
    assert {e.staff for e in card.timeline} >= {"supervisor (supervisor)", "agent (agent)"}
    code, out, _ = run_cli("complaints", "show", number, user="supervisor")
    assert code == 0 and "(supervisor)" in out  # (the table may wrap the name)


def test_the_outboxs_failures_say_to_whom(wb, world, run_cli):
    with wb.sessions() as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.member_id == world.member_id)
        ).first()
        message.status, message.last_error = MessageStatus.FAILED, "gateway said no"
        session.commit()
    (failed,) = wb.usecases.messages.status().failures
    assert failed.to == world.member_no  # the number only: the status needs no sign-in
    code, out, _ = run_cli("outbox", "status")
    assert code == 0 and world.member_no in out
