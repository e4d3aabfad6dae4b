"""The complaint workflow against a real database: intake, every step recorded, SLA clocks,
reopen rounds, supervisor close, access for the handler."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workbench.callbacks.models import CallbackTask
from workbench.errors import NotFound, PermissionDenied, ValidationError
from workbench.permissions.access import AccessDenied
from workbench.tickets.service import ComplaintIntake
from workbench.tickets.states import InvalidTransition, replay

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _open(wb, world, **overrides):
    values = dict(channel="hotline", category="service_attitude",
                  description="店员态度恶劣，拒绝退货。", member_no=world.member_no)  # fmt: skip
    values.update(overrides)
    with wb.sessions() as session:
        complaint = wb.complaints.open(session, intake=ComplaintIntake(**values),
                                       actor=world.staff["agent"])  # fmt: skip
        session.commit()
        return complaint.complaint_no


def _resolve_round(wb, world, number, score):
    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        wb.complaints.propose(session, complaint_no=number, root_cause="staff_conduct",
                              responsible_party="SH01 门店", plan="道歉并退款", actor=agent)  # fmt: skip
        wb.complaints.approve(session, complaint_no=number, actor=supervisor)
        wb.complaints.inform(session, complaint_no=number, actor=agent, note="电话告知处理结果")
        complaint = wb.complaints.record_satisfaction(session, complaint_no=number, score=score,
                                                      actor=agent)  # fmt: skip
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
    number = _open(wb, world, member_no=None, contact="138 0013 8000", channel="email",
                   store_code="SH01")  # fmt: skip
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
        wb.complaints.assign(session, complaint_no=number, department="store_operations",
                             handler=agent, actor=supervisor)  # fmt: skip
        wb.complaints.investigate(session, complaint_no=number, actor=agent, note="调取监控")
        with pytest.raises(ValidationError, match="responsible"):
            wb.complaints.propose(session, complaint_no=number, root_cause="staff_conduct",
                                  responsible_party=" ", plan="道歉", actor=agent)  # fmt: skip
        with pytest.raises(ValidationError, match="cause"):
            wb.complaints.propose(session, complaint_no=number, root_cause="",
                                  responsible_party="SH01", plan="道歉", actor=agent)  # fmt: skip
        session.commit()
    complaint = _resolve_round(wb, world, number, score=5)
    assert complaint.state == "closed" and complaint.round == 1 and complaint.satisfaction == 5
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        events = wb.complaints.history(session, complaint)
        steps = [e.action for e in events]
        assert steps == ["received", "assign", "investigate", "propose_resolution",
                         "approve_resolution", "inform_member", "satisfied"]  # fmt: skip
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
        wb.complaints.propose(session, complaint_no=number, root_cause="product_defect",
                              responsible_party="供应商", plan="换货", actor=agent)  # fmt: skip
        with pytest.raises(PermissionDenied):
            wb.complaints.approve(session, complaint_no=number, actor=agent)
        with pytest.raises(PermissionDenied):
            wb.complaints.close(session, complaint_no=number, actor=agent, reason="x")
        with pytest.raises(ValidationError):
            wb.complaints.close(session, complaint_no=number, actor=world.staff["supervisor"],
                                reason="")  # fmt: skip
        wb.complaints.reject(session, complaint_no=number, actor=world.staff["supervisor"],
                             note="方案不足")  # fmt: skip
        complaint = wb.complaints.close(session, complaint_no=number,
                                        actor=world.staff["supervisor"],
                                        reason="member stopped answering; goodwill voucher sent")  # fmt: skip
        session.commit()
        assert complaint.state == "closed" and complaint.closed_reason.startswith("member")


def test_not_satisfied_loops_three_rounds_then_closes(wb, world):
    number = _open(wb, world)
    with wb.sessions() as session:
        wb.complaints.assign(session, complaint_no=number, department="customer_service",
                             handler=world.staff["agent"], actor=world.staff["supervisor"])  # fmt: skip
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
        [link] = wb.complaints.links(session, complaint)
        task = session.get(CallbackTask, int(link.ref))
        assert (link.kind, task.reason, task.complaint_id) == ("callback", "complaint_follow_up",
                                                               complaint.id)  # fmt: skip
        assert task.assigned_staff_id == world.staff["agent"].id


def test_handler_gets_access_while_assigned(wb, world):
    number = _open(wb, world)
    head = world.staff["dept_head"]
    with pytest.raises(AccessDenied):
        wb.access.view(head, world.member_no, "complaint")
    with wb.sessions() as session:
        wb.complaints.assign(session, complaint_no=number, department="quality", handler=head,
                             actor=world.staff["supervisor"])  # fmt: skip
        session.commit()
    assert wb.access.view(head, world.member_no, "complaint").basis == "grant"
    with wb.sessions() as session:
        wb.complaints.assign(session, complaint_no=number, department="quality",
                             handler=world.staff["agent"], actor=world.staff["supervisor"])  # fmt: skip
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
        assert complaint.next_escalation_at == wb.complaint_policy.calendar.add(
            complaint.received_at, timedelta(hours=45 * 0.75)
        )
        # Waiting on the member from Mon 11:00 to Tue 11:00 = 9 business hours paused.
        clock.set(datetime(2026, 3, 2, 11, tzinfo=SHANGHAI))
        wb.complaints.wait_on_member(session, complaint_no=number, actor=agent, note="等会员发票")
        assert complaint.resolution_due is None and complaint.next_escalation_at is None
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
        session.commit()
        actions = [e.action for e in wb.complaints.history(session, complaint)]
        assert actions == ["received", "waiting_on_member", "resumed", "priority", "reply"]


def test_links_keep_the_whole_story(wb, world):
    number = _open(wb, world)
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        wb.complaints.link(session, complaint=complaint, kind="call", ref="CA123")
        wb.complaints.link(session, complaint=complaint, kind="callback", ref="17")
        with pytest.raises(ValidationError):
            wb.complaints.link(session, complaint=complaint, kind="pigeon", ref="1")
        session.commit()
        assert [(x.kind, x.ref) for x in wb.complaints.links(session, complaint)] == [
            ("call", "CA123"),
            ("callback", "17"),
        ]
