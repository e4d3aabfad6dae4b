"""The complaint workflow against a real database: intake, every step recorded, SLA clocks,
reopen rounds, supervisor close, access for the handler."""

from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from workbench.callbacks.models import CallbackTask
from workbench.complaints.models import Notification
from workbench.complaints.service import ComplaintIntake
from workbench.complaints.states import InvalidTransition, replay
from workbench.errors import NotFound, PermissionDenied, ValidationError
from workbench.members.models import Member
from workbench.permissions.access import AccessDenied
from workbench.telephony.models import Call
from workbench.views.complaint_story import story

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _open(wb, world, **overrides):
    values = dict(
        channel="hotline",
        category="service_attitude",
        description="店员态度恶劣，拒绝退货。",
        member_no=world.member_no,
    )
    values.update(overrides)
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session, intake=ComplaintIntake(**values), actor=world.staff["agent"]
        )
        session.commit()
        return complaint.complaint_no


def _resolve_round(wb, world, number, score):
    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        wb.complaints.propose(
            session,
            complaint_no=number,
            root_cause="staff_conduct",
            responsible_party="SH01 门店",
            plan="道歉并退款",
            actor=agent,
        )
        wb.complaints.approve(session, complaint_no=number, actor=supervisor)
        wb.complaints.inform(session, complaint_no=number, actor=agent, note="电话告知处理结果")
        complaint = wb.complaints.record_satisfaction(
            session, complaint_no=number, score=score, actor=agent
        )
        session.commit()
        return complaint


@pytest.mark.parametrize(
    "change, field",
    [
        ({"category": None}, "category"),
        ({"category": "weather"}, "category"),
        ({"description": "   "}, "description"),
        ({"channel": "fax"}, "channel"),
        ({"priority": "whenever"}, "priority"),
        ({"member_no": None, "contact": None}, "contact"),
        ({"member_no": None, "contact": "12345"}, "phone"),
        ({"store_code": "NOPE"}, "store"),
    ],
)
def test_bad_intake_is_refused(wb, world, change, field):
    with pytest.raises(ValidationError) as refused:
        _open(wb, world, **change)
    assert refused.value.field == field


def test_unknown_member_number_is_refused(wb, world):
    with pytest.raises(NotFound, match="M000"):
        _open(wb, world, member_no="M000")


def test_unknown_caller_with_a_contact(wb, world):
    number = _open(
        wb, world, member_no=None, contact="138 0013 8000", channel="email", store_code="SH01"
    )
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        assert complaint.member_id is None and "13800138000" not in complaint.contact_enc
        contact = wb.cipher.decrypt("complaint.contact", complaint.contact_enc)
        assert contact == "+8613800138000"


def test_happy_path_every_step_recorded_and_replayable(wb, world, clock):
    number = _open(wb, world)
    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        with pytest.raises(InvalidTransition, match="allowed: assign, supervisor_close"):
            wb.complaints.investigate(session, complaint_no=number, actor=agent)
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="store_operations",
            handler=agent,
            actor=supervisor,
        )
        wb.complaints.investigate(session, complaint_no=number, actor=agent, note="调取监控")
        with pytest.raises(ValidationError, match="responsible"):
            wb.complaints.propose(
                session,
                complaint_no=number,
                root_cause="staff_conduct",
                responsible_party=" ",
                plan="道歉",
                actor=agent,
            )
        with pytest.raises(ValidationError, match="cause"):
            wb.complaints.propose(
                session,
                complaint_no=number,
                root_cause="",
                responsible_party="SH01",
                plan="道歉",
                actor=agent,
            )
        session.commit()
    complaint = _resolve_round(wb, world, number, score=5)
    assert complaint.state == "closed" and complaint.round == 1 and complaint.satisfaction == 5
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        events = wb.complaints.history(session, complaint)
        steps = [e.action for e in events]
        assert steps == [
            "received",
            "assign",
            "investigate",
            "propose_resolution",
            "approve_resolution",
            "inform_member",
            "satisfied",
        ]
        assert all(e.at == clock.now() for e in events)
        assert [e.staff_id for e in events][4] == supervisor.id
        # Replaying the recorded steps gives the stored state.
        replayed = replay(e.action for e in events if e.action != "received")
        assert (replayed.state, replayed.round) == (complaint.state, complaint.round)
        note = wb.complaints.read_text(agent, complaint, events[2].note_enc)
        assert note == "调取监控"
        with pytest.raises(PermissionDenied):
            wb.complaints.read_text(world.staff["sales_other"], complaint, events[2].note_enc)


def test_only_supervisors_approve_and_close(wb, world):
    number = _open(wb, world)
    agent = world.staff["agent"]
    with wb.sessions() as session:
        wb.complaints.assign(session, complaint_no=number, department="quality", actor=agent)
        wb.complaints.investigate(session, complaint_no=number, actor=agent)
        wb.complaints.propose(
            session,
            complaint_no=number,
            root_cause="product_defect",
            responsible_party="供应商",
            plan="换货",
            actor=agent,
        )
        with pytest.raises(PermissionDenied):
            wb.complaints.approve(session, complaint_no=number, actor=agent)
        with pytest.raises(PermissionDenied):
            wb.complaints.close(session, complaint_no=number, actor=agent, reason="x")
        with pytest.raises(ValidationError):
            wb.complaints.close(
                session, complaint_no=number, actor=world.staff["supervisor"], reason=""
            )
        wb.complaints.reject(
            session, complaint_no=number, actor=world.staff["supervisor"], note="方案不足"
        )
        complaint = wb.complaints.close(
            session,
            complaint_no=number,
            actor=world.staff["supervisor"],
            reason="member stopped answering; goodwill voucher sent",
        )
        session.commit()
        assert complaint.state == "closed" and complaint.closed_reason.startswith("member")


def test_not_satisfied_loops_three_rounds_then_closes(wb, world):
    number = _open(wb, world)
    with wb.sessions() as session:
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="customer_service",
            handler=world.staff["agent"],
            actor=world.staff["supervisor"],
        )
        wb.complaints.investigate(session, complaint_no=number, actor=world.staff["agent"])
        session.commit()
    for round_, score in ((1, 2), (2, 1), (3, 3)):
        complaint = _resolve_round(wb, world, number, score)
        assert complaint.state == "investigating" and complaint.round == round_ + 1
    complaint = _resolve_round(wb, world, number, score=4)
    assert complaint.state == "closed" and complaint.round == 4
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        events = wb.complaints.history(session, complaint)
        assert [e.action for e in events].count("not_satisfied") == 3
        assert max(e.round for e in events) == 4
        # The first low score scheduled a follow-up call for the handler, linked to the
        # complaint; the later ones found it still open and added none.
        links = story(session, complaint)
        [link] = [x for x in links if x.kind == "callback"]
        task = session.get(CallbackTask, int(link.ref))
        assert (link.kind, task.reason, task.complaint_id) == (
            "callback",
            "complaint_follow_up",
            complaint.id,
        )
        assert task.assigned_staff_id == world.staff["agent"].id


def test_handler_gets_access_while_assigned(wb, world):
    number = _open(wb, world)
    head = world.staff["dept_head"]
    with pytest.raises(AccessDenied):
        wb.access.view(head, world.member_no, "complaint")
    with wb.sessions() as session:
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="quality",
            handler=head,
            actor=world.staff["supervisor"],
        )
        session.commit()
    assert wb.access.view(head, world.member_no, "complaint").basis == "grant"
    with wb.sessions() as session:
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="quality",
            handler=world.staff["agent"],
            actor=world.staff["supervisor"],
        )
        session.commit()
    with pytest.raises(AccessDenied):  # reassigned: the old handler's access ends
        wb.access.view(head, world.member_no, "complaint")


def test_sla_due_times_pause_and_priority_change(wb, world, clock):
    # Monday 2 March 2026 09:00 Shanghai; normal priority: first response 4 h, resolution 45 h.
    number = _open(wb, world)
    agent = world.staff["agent"]
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        assert complaint.first_response_due == datetime(2026, 3, 2, 13, tzinfo=SHANGHAI)
        assert complaint.resolution_due == datetime(2026, 3, 6, 18, tzinfo=SHANGHAI)
        # The first rung of any clock: 75 % of the 4 h first response.
        assert complaint.next_escalation_at == datetime(2026, 3, 2, 12, tzinfo=SHANGHAI)
        # Waiting on the member from Mon 11:00 to Tue 11:00 = 9 business hours paused.
        clock.set(datetime(2026, 3, 2, 11, tzinfo=SHANGHAI))
        wb.complaints.wait_on_member(session, complaint_no=number, actor=agent, note="等会员发票")
        assert complaint.resolution_due is None and complaint.next_reply_due is None
        # The member has not had a first answer yet: that clock does not stop.
        assert complaint.next_escalation_at == datetime(2026, 3, 2, 12, tzinfo=SHANGHAI)
        clock.set(datetime(2026, 3, 3, 11, tzinfo=SHANGHAI))
        wb.complaints.resume(session, complaint_no=number, actor=agent)
        assert complaint.sla_paused_seconds == 9 * 3600
        assert complaint.resolution_due == datetime(2026, 3, 9, 18, tzinfo=SHANGHAI)
        # Urgent: 16 h from Mon 09:00 plus the 9 paused hours = 25 h -> Wed 16:00.
        wb.complaints.change_priority(session, complaint_no=number, priority="urgent", actor=agent)
        assert complaint.resolution_due == datetime(2026, 3, 4, 16, tzinfo=SHANGHAI)
        assert complaint.sla_paused_seconds == 9 * 3600
        wb.complaints.reply(session, complaint_no=number, actor=agent, note="已回电")
        assert complaint.first_response_at == clock.now()
        # Urgent: the next reply within 4 h (Tue 15:00); its first rung at 75 % comes first.
        assert complaint.next_reply_due == datetime(2026, 3, 3, 15, tzinfo=SHANGHAI)
        assert complaint.next_escalation_at == datetime(2026, 3, 3, 14, tzinfo=SHANGHAI)
        session.commit()
        actions = [e.action for e in wb.complaints.history(session, complaint)]
        assert actions == ["received", "waiting_on_member", "resumed", "priority", "reply"]


def test_the_next_reply_clock_runs_from_each_contact_while_it_is_our_turn(wb, world, clock):
    # Normal priority: the next reply within 16 business hours of a contact.
    at = partial(datetime, 2026, 3, tzinfo=SHANGHAI)
    number = _investigating(wb, world)
    agent = world.staff["agent"]

    def due():
        with wb.sessions() as session:
            return wb.complaints.get(session, number).next_reply_due

    assert due() is None  # no contact yet: the first-response clock runs instead
    with wb.sessions() as session:
        wb.complaints.reply(session, complaint_no=number, actor=agent, note="已致电")
        session.commit()
    assert due() == at(3, 16)  # Mon 09:00 + 16 h = Tue 16:00
    clock.set(at(2, 10))
    with wb.sessions() as session:
        wb.complaints.wait_on_member(session, complaint_no=number, actor=agent, note="等材料")
        session.commit()
    assert due() is None  # waiting on the member: not our turn
    clock.set(at(4, 10))
    with wb.sessions() as session:
        wb.complaints.resume(session, complaint_no=number, actor=agent, note="会员已回复")
        session.commit()
    assert due() == at(5, 17)  # the member answered: 16 h from Wed 10:00
    clock.set(at(5, 12))
    with wb.sessions() as session:
        wb.complaints.propose(
            session,
            complaint_no=number,
            root_cause="staff_conduct",
            responsible_party="SH01",
            plan="道歉",
            actor=agent,
        )
        wb.complaints.approve(session, complaint_no=number, actor=world.staff["supervisor"])
        wb.complaints.inform(session, complaint_no=number, actor=agent, note="已告知")
        session.commit()
    assert due() is None  # informed: the member's turn to say whether they are satisfied
    clock.set(at(6, 10))
    with wb.sessions() as session:
        wb.complaints.record_satisfaction(session, complaint_no=number, score=2, actor=agent)
        session.commit()
    assert due() == at(9, 17)  # not satisfied: a reply within 16 h of Friday 10:00
    with wb.sessions() as session:
        wb.complaints.change_priority(session, complaint_no=number, priority="urgent", actor=agent)
        session.commit()
    assert due() == at(6, 14)  # urgent: within 4 h


def test_links_keep_the_whole_story(wb, world):
    number = _open(wb, world)
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        wb.complaints.link(session, complaint=complaint, kind="call", ref="CA123")
        wb.complaints.link(session, complaint=complaint, kind="callback", ref="17")
        with pytest.raises(ValidationError):
            wb.complaints.link(session, complaint=complaint, kind="pigeon", ref="1")
        session.commit()
        assert [(x.kind, x.ref) for x in story(session, complaint)] == [
            ("call", "CA123"),
            ("callback", "17"),
        ]


def _investigating(wb, world, handler="agent"):
    number = _open(wb, world)
    with wb.sessions() as session:
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="customer_service",
            handler=world.staff[handler],
            actor=world.staff["supervisor"],
        )
        wb.complaints.investigate(session, complaint_no=number, actor=world.staff["agent"])
        session.commit()
    return number


def _follow_ups(wb, number):
    """(task id, status, complaint id) of the callback tasks linked to a complaint."""
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        ids = [int(x.ref) for x in story(session, complaint) if x.kind == "callback"]
        return [(i, session.get(CallbackTask, i).status) for i in ids], complaint.id


def test_an_expired_follow_up_is_replaced_not_lost(wb, world, clock):
    number = _investigating(wb, world)
    _resolve_round(wb, world, number, score=2)
    [(first, status)], _ = _follow_ups(wb, number)
    assert status == "queued"
    clock.advance(days=4)  # nobody called within the 3 days: the task's window has passed
    _resolve_round(wb, world, number, score=1)
    tasks, complaint_id = _follow_ups(wb, number)
    assert tasks[0] == (first, "expired") and tasks[1][1] == "queued" and len(tasks) == 2
    with wb.sessions() as session:
        task = session.get(CallbackTask, tasks[1][0])
        assert task.complaint_id == complaint_id
        assert task.latest_at == clock.now() + timedelta(days=3)


def test_a_live_follow_up_for_another_complaint_covers_the_new_one(wb, world, clock):
    earlier = _investigating(wb, world)
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, earlier)
        task = wb.callbacks.schedule(
            session,
            member_id=world.member_id,
            reason="complaint_follow_up",
            priority=1,
            latest_at=clock.now() + timedelta(days=1),
            complaint_id=complaint.id,
        )
        session.commit()
        task_id = task.id
    clock.advance(hours=20)
    later = _investigating(wb, world, handler="dept_head")
    _resolve_round(wb, world, later, score=2)
    assert _follow_ups(wb, later)[0] == [(task_id, "queued")]  # linked to the same call
    with wb.sessions() as session:
        task = session.get(CallbackTask, task_id)
        # One call covers both complaints: raised to the follow-up priority, and it stays open
        # until the new complaint's deadline.
        assert (task.priority, task.latest_at) == (5, clock.now() + timedelta(days=3))
        assert session.scalar(select(func.count()).select_from(CallbackTask)) == 1


def test_no_follow_up_call_for_a_member_who_asked_not_to_be_called(wb, world):
    number = _investigating(wb, world)
    with wb.sessions() as session:
        session.get(Member, world.member_id).do_not_call = True
        session.commit()
    _resolve_round(wb, world, number, score=2)
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        events = wb.complaints.history(session, complaint)
        assert events[-1].action == "follow_up_not_scheduled"
        messages = session.scalars(
            select(Notification.message).where(Notification.complaint_id == complaint.id)
        ).all()
        assert any("asked not to be called" in m for m in messages)
    assert _follow_ups(wb, number)[0] == []


def _call(wb, sid, complaint_id=None, **kw):
    with wb.sessions() as session:
        session.add(
            Call(
                call_sid=sid,
                direction="inbound",
                from_enc=wb.cipher.encrypt("call.from", "+8613900000001"),
                to_enc=wb.cipher.encrypt("call.to", "+864001234567"),
                status="completed",
                started_at=wb.clock.now(),
                complaint_id=complaint_id,
                duration_seconds=95,
                **kw,
            )
        )
        session.commit()


def test_the_story_lists_its_calls_messages_and_callback_tasks(wb, world, clock):
    other = _open(wb, world)
    number = _investigating(wb, world)
    with wb.sessions() as session:
        complaint_id = wb.complaints.get(session, number).id
        other_id = wb.complaints.get(session, other).id
    clock.advance(minutes=5)
    _call(wb, "CA" + "1" * 32, complaint_id=complaint_id)  # the desk linked it while on the call
    _call(wb, "CA" + "2" * 32, complaint_id=other_id)  # another complaint's call
    clock.advance(minutes=5)
    _call(wb, "CA" + "3" * 32)
    with wb.sessions() as session:  # linked by hand afterwards
        wb.complaints.link(
            session, complaint=wb.complaints.get(session, number), kind="call", ref="CA" + "3" * 32
        )
        session.commit()
    clock.advance(minutes=5)
    _resolve_round(wb, world, number, score=2)  # informs the member; a low score: a follow-up
    with wb.sessions() as session:
        records = story(session, wb.complaints.get(session, number))
    assert [(x.kind, x.summary) for x in records] == [
        ("call", "inbound · completed · 95 s"),
        ("call", "inbound · completed · 95 s"),
        ("message", "sms complaint_update · queued · to the member"),
        ("message", "sms satisfaction_survey · queued · to the member"),
        ("callback", "complaint_follow_up · queued · 0 attempts"),
    ]
    assert [x.ref for x in records[:2]] == ["CA" + "1" * 32, "CA" + "3" * 32]
    assert [x.at for x in records] == sorted(x.at for x in records)
    shown = repr(records)
    assert world.app.phone not in shown and "8613900000001" not in shown


def test_complaints_show_lists_the_clocks_and_the_story(wb, world, run_cli):
    number = _investigating(wb, world)
    _call(wb, "CA" + "4" * 32, complaint_id=None)
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        wb.complaints.link(session, complaint=complaint, kind="call", ref="CA" + "4" * 32)
        session.commit()
    code, out, _ = run_cli("complaints", "show", number, user="supervisor")
    assert code == 0 and "no calls, messages or callbacks linked" not in out
    assert "first response due 2026-03-02 13:00" in out and "resolution due" in out
    assert "calls, messages and callbacks" in out and "CA4444" in out
    _resolve_round(wb, world, number, score=1)
    code, out, _ = run_cli("complaints", "show", number, user="supervisor")
    assert code == 0 and "complaint_follow_up" in out and "satisfaction_survey" in out
    assert "next reply due" in out  # the low score is to be answered
