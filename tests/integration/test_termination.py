"""Termination as seed 002 §七 writes it, through the use case on both backends with a fixed
clock: a member's request, the notice sent with the reason and the date, a withdrawal before
the date (refused after it), the scheduled job that terminates when the notice period ends
(points and stored goods settled, personal data erased), and who may do which step."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.members.models import MemberStatus, PointsKind
from workbench.members.terminations import TerminationCase
from workbench.messaging.models import OutboxMessage
from workbench.scheduler import jobs
from workbench.usecases.member_refs import UnknownMember

NOTICE = timedelta(days=30)  # [members] termination_notice_days


def _messages(wb, member_id, template):
    with wb.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.member_id == member_id, OutboxMessage.template == template
            )
        ).all()
        return {m.channel: wb.outbox.decrypt_body(m)["body"] for m in rows}


def _member(wb, member_no):
    with wb.sessions() as session:
        return wb.registry.get(session, member_no)


def test_request_then_notice_sent_with_the_date_then_withdrawn(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    done = desk.request(staff["agent"], world.member_no, note="moving abroad")
    assert done.case.status == "requested" and done.case.due_at is None
    assert done.case.requested_by == "agent (agent)"
    status = desk.status(staff["agent"], world.member_no)
    assert status.case is not None and status.may_withdraw and not status.may_give_notice
    assert desk.status(staff["supervisor"], world.member_no).may_give_notice

    noticed = desk.give_notice(staff["supervisor"], world.member_no, reason="voluntary")
    assert noticed.case.status == "notice_given" and noticed.messages == 2
    assert noticed.case.due_at == clock.now() + NOTICE
    assert noticed.case.notice_by == "supervisor (supervisor)"
    sent = _messages(wb, world.member_id, "termination_notice")
    assert set(sent) == {"sms", "email"}
    assert all("2026-04-01" in body for body in sent.values())  # 30 days on, in Shanghai
    assert "按您本人的申请" in sent["sms"]
    assert "moving abroad" not in str(sent)

    [line] = desk.pending(staff["supervisor"])
    assert (line.member.member_no, line.member.masked_name) == (world.member_no, "张*")
    assert (line.reason, line.requested_by, line.notice_by) == (
        "voluntary",
        "agent (agent)",
        "supervisor (supervisor)",
    )

    clock.advance(days=29)
    withdrawn = desk.withdraw(staff["sales_own"], world.member_no)
    assert withdrawn.case.status == "withdrawn"
    assert desk.pending(staff["supervisor"]) == []
    member = _member(wb, world.member_no)
    assert member.status == MemberStatus.ACTIVE
    assert member.termination_due_at is None and member.termination_reason is None
    assert "会员服务继续有效" in _messages(wb, world.member_id, "termination_withdrawn")["sms"]
    clock.advance(days=2)
    assert desk.run_due(None).terminated == ()  # withdrawn: the job leaves the member alone
    assert _member(wb, world.member_no).status == MemberStatus.ACTIVE
    # The member may ask again later.
    assert desk.request(staff["agent"], world.member_no).case.status == "requested"


def test_at_the_end_of_the_notice_the_job_terminates_settles_and_erases(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    with wb.sessions() as session:
        member = wb.registry.get(session, world.member_no)
        wb.ledger.record_purchase(
            session, member=member, amount=Decimal("300"), store_id=member.store_id
        )
        session.commit()
    wb.usecases.goods.record(staff["sales_own"], world.member_no, "羽绒服", 2, date(2026, 6, 30))
    desk.give_notice(staff["supervisor"], world.member_no, reason="inactivity")
    assert "会员等级评定未达标" in _messages(wb, world.member_id, "termination_notice")["sms"]

    clock.advance(NOTICE - timedelta(seconds=1))
    jobs.install(wb)
    jobs.due_terminations()  # not yet due: nothing happens
    assert _member(wb, world.member_no).status == MemberStatus.ACTIVE

    clock.advance(seconds=1)
    run = desk.run_due(None)
    assert run.terminated == (world.member_no,) and run.failed == 0
    member = _member(wb, world.member_no)
    assert member.status == MemberStatus.TERMINATED and member.erased_at == clock.now()
    assert member.name_enc is None and member.phone_bidx is None and member.email_enc is None
    with wb.sessions() as session:
        assert wb.ledger.balance(session, member.id) == 0
        kinds = [e.kind for e in wb.ledger.history(session, member.id)]
        assert kinds[0] == PointsKind.SETTLEMENT
        case = session.scalar(select(TerminationCase))
        assert case.status == "terminated" and case.closed_at is not None
    with wb.sessions() as session:
        from workbench.members.goods import GoodsStatus, StoredGoods

        [goods] = session.scalars(select(StoredGoods)).all()
        assert goods.status == GoodsStatus.SETTLED and goods.quantity == 0
    # Run again (or the job): nothing more to do, nothing twice.
    assert desk.run_due(None).terminated == ()
    jobs.due_terminations()


def test_the_notes_staff_kept_are_erased_with_the_member(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    desk.request(staff["agent"], world.member_no, note="搬家到外地")
    with wb.sessions() as session:
        case = session.scalar(select(TerminationCase))
        assert "搬家" not in case.note_enc  # encrypted
        assert wb.cipher.decrypt("termination.note", case.note_enc) == "搬家到外地"
    done = desk.terminate_now(staff["supervisor"], world.member_no)
    assert done.case.status == "terminated" and done.case.member.masked_name == "张*"
    with wb.sessions() as session:
        case = session.scalar(select(TerminationCase))
        assert case.note_enc is None and case.status == "terminated"
    assert _member(wb, world.member_no).name_enc is None


def test_an_agent_may_record_a_request_but_not_terminate(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    agent = staff["agent"]
    for attempt in (
        lambda: desk.give_notice(agent, world.member_no, reason="violation"),
        lambda: desk.terminate_now(agent, world.member_no),
        lambda: desk.pending(agent),
        lambda: desk.run_due(agent),
        lambda: desk.request(staff["analyst"], world.member_no),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    with wb.sessions() as session:
        assert session.scalar(select(TerminationCase)) is None  # nothing stored half-way
    desk.request(agent, world.member_no)
    with pytest.raises(PermissionDenied):
        desk.terminate_now(staff["sales_own"], world.member_no)
    assert _member(wb, world.member_no).status == MemberStatus.ACTIVE


def test_a_withdrawal_after_the_date_is_refused(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    desk.request(staff["agent"], world.member_no)
    desk.give_notice(staff["supervisor"], world.member_no, reason="voluntary")
    clock.advance(NOTICE)
    with pytest.raises(InvalidState, match="no longer be withdrawn"):
        desk.withdraw(staff["agent"], world.member_no)
    assert not desk.status(staff["agent"], world.member_no).may_withdraw
    assert desk.run_due(None).terminated == (world.member_no,)


def test_only_a_voluntary_request_is_asked_for_withdrawn_or_ended_at_once(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    with pytest.raises(ValidationError) as caught:
        desk.request(staff["agent"], world.member_no, reason="violation")
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError):
        desk.give_notice(staff["supervisor"], world.member_no, reason="boredom")
    with pytest.raises(InvalidState, match="no voluntary request"):
        desk.terminate_now(staff["supervisor"], world.member_no)
    desk.give_notice(staff["supervisor"], world.member_no, reason="violation")
    with pytest.raises(InvalidState, match="already been given notice"):
        desk.give_notice(staff["admin"], world.member_no, reason="violation")
    with pytest.raises(InvalidState, match="cannot be withdrawn"):
        desk.withdraw(staff["agent"], world.member_no)
    with pytest.raises(InvalidState, match="no voluntary request"):
        desk.terminate_now(staff["supervisor"], world.member_no)
    with pytest.raises(InvalidState, match="already"):
        desk.request(staff["agent"], world.member_no)
    assert _member(wb, world.member_no).status == MemberStatus.ACTIVE


def test_another_branch_cannot_act_on_the_member(wb, world):
    desk = wb.usecases.termination
    with pytest.raises(UnknownMember):
        desk.request(world.staff["agent_branch"], world.member_no)
    with pytest.raises(UnknownMember):
        desk.request(world.staff["agent"], "M999999999")


def test_a_member_terminated_another_way_closes_the_case(wb, world, clock):
    desk, staff = wb.usecases.termination, world.staff
    desk.give_notice(staff["supervisor"], world.member_no, reason="business_change")
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason="voluntary", actor=staff["admin"]
        )
        session.commit()
    assert desk.pending(staff["supervisor"]) == []
    clock.advance(NOTICE)
    assert desk.run_due(None).terminated == ()
