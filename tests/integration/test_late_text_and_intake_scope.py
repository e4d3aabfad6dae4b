"""Issue 15, the gaps left after the first pass: free text added later is checked on the way in
like the rest (a call's wrap-up note, a third-party share's partner and agreement), and a
complaint is opened about a member only by staff who may reach that member, the refusal
reading the same whether the member exists or not (and audited)."""

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from tests.peers.fixtures import HOTLINE
from workbench.audit.models import AuditEntry
from workbench.complaints.models import Complaint
from workbench.complaints.service import ComplaintIntake
from workbench.errors import NotFound
from workbench.masking.text import UnsafeText
from workbench.permissions.access import AccessDenied
from workbench.permissions.models import ThirdPartyShare
from workbench.telephony.models import Call

SID = "CA" + "7" * 32
UNKNOWN_MEMBER = "M000000001"


# Wrap-up notes -------------------------------------------------------------------------------
def _wrapping_up(telephony, wb, world) -> int:
    telephony.hotline.incoming(call_sid=SID, from_number=world.app.phone, to_number=HOTLINE)
    with wb.sessions() as session:
        call_id = session.scalar(select(col(Call.id)).where(col(Call.call_sid) == SID))
    wb.usecases.calls.take(world.staff["agent"], call_id)
    telephony.hotline.status(call_sid=SID, status="completed", duration="42")
    return call_id


@pytest.mark.parametrize("note", ["会员\x1b[31m投诉", "回访\u202e结果", "done\x07"])
def test_a_wrap_up_note_with_a_control_is_refused_naming_the_note(telephony, wb, world, note):
    desk, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _wrapping_up(telephony, wb, world)
    with pytest.raises(UnsafeText) as refused:
        desk.wrap_up(agent, call_id, "resolved", note)
    assert refused.value.field == "note" and str(refused.value).startswith("note: contains")
    assert desk.my_state(agent).state == "wrap_up"  # nothing recorded: still wrapping up
    with wb.sessions() as session:
        assert session.get(Call, call_id).wrap_note_enc is None
    after = desk.wrap_up(agent, call_id, "resolved", "第一行\n\t第二行")  # a note's lines are fine
    assert after.state == "available"


# Third-party shares -----------------------------------------------------------------------------
def _shares(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(ThirdPartyShare)) or 0


@pytest.mark.parametrize(
    "partner, agreement_ref, field",
    [
        ("某保险\u202e公司", "AG-7", "partner"),
        ("\x1b[2JBank", "AG-7", "partner"),
        ("Bank", "AG-7\x07", "agreement_ref"),
        ("Bank", "AG\u2066-7", "agreement_ref"),
    ],
)
def test_a_share_naming_its_partner_or_agreement_with_a_control_is_refused(
    wb, world, partner, agreement_ref, field
):
    wb.usecases.consent.give(
        world.staff["sales_own"], world.member_no, "group_companies", "signed_form"
    )
    with pytest.raises(UnsafeText) as refused:
        wb.sharing.share_with_third_party(
            world.staff["admin"],
            member_no=world.member_no,
            partner=partner,
            agreement_ref=agreement_ref,
            fields=["name"],
            kind="group_companies",
        )
    assert refused.value.field == field and str(refused.value).startswith(f"{field}: contains")
    assert _shares(wb) == 0
    shared = wb.sharing.share_with_third_party(
        world.staff["admin"],
        member_no=world.member_no,
        partner=" 某保险公司 ",
        agreement_ref="AG-7",
        fields=["name"],
        kind="group_companies",
    )
    assert shared == {"name": "张伟"} and _shares(wb) == 1
    with wb.sessions() as session:
        assert session.scalar(select(col(ThirdPartyShare.partner))) == "某保险公司"


# Complaint intake --------------------------------------------------------------------------------
def _open(wb, actor, member_no: str) -> str:
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="service_attitude",
                description="店员态度恶劣",
                member_no=member_no,
            ),
            actor=actor,
        )
        session.commit()
        return complaint.complaint_no


def _complaints(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(Complaint)) or 0


@pytest.mark.parametrize("user", ["manager_other", "agent_branch", "sales_other", "analyst"])
def test_a_complaint_about_a_member_out_of_reach_reads_as_about_no_member(wb, world, user):
    actor = world.staff[user]
    answers = []
    for number in (world.member_no, UNKNOWN_MEMBER):
        with pytest.raises(AccessDenied) as refused:
            _open(wb, actor, number)
        assert isinstance(refused.value, NotFound)  # either handler catches it
        answers.append(str(refused.value).replace(number, "<ref>"))
    assert answers[0] == answers[1] == "you may not see member '<ref>', or there is no such member"
    assert _complaints(wb) == 0
    with wb.sessions() as session:
        denied = session.scalars(
            select(AuditEntry)
            .where(col(AuditEntry.action) == "complaint_open", col(AuditEntry.result) == "denied")
            .order_by(col(AuditEntry.seq))
        ).all()
    assert [(e.actor_id, e.member_id) for e in denied] == [
        (actor.id, world.member_id),
        (actor.id, None),
    ]


@pytest.mark.parametrize("user", ["agent", "supervisor", "admin", "manager_own", "sales_own"])
def test_staff_who_reach_the_member_open_a_complaint_about_them(wb, world, user):
    number = _open(wb, world.staff[user], world.member_no)
    with wb.sessions() as session:
        complaint = session.scalar(select(Complaint).where(col(Complaint.complaint_no) == number))
        assert complaint.member_id == world.member_id
        assert complaint.received_by_id == world.staff[user].id


def test_a_complaint_without_a_member_needs_no_reach(wb, world):
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="service_attitude",
                description="路过门店，店员态度恶劣",
                contact="13800138000",
            ),
            actor=world.staff["agent_branch"],
        )
        session.commit()
    assert complaint.member_id is None
