"""Consent records through the use cases, on both backends: give and withdraw each kind, the
history never overwritten, the member's flags kept in step (what messaging reads), sharing
honouring the consent of the kind shared, and refusals that record nothing."""

import pytest
from sqlalchemy import select

from workbench.audit.models import AuditEntry
from workbench.errors import PermissionDenied, ValidationError
from workbench.members.consent import ConsentRecord
from workbench.members.models import Member
from workbench.messaging.models import Purpose
from workbench.permissions.access import AccessDenied
from workbench.usecases.member_refs import UnknownMember


def _member(wb, world) -> Member:
    with wb.sessions() as session:
        return session.get_one(Member, world.member_id)


def _states(sheet) -> dict[str, bool]:
    return {s.kind: s.given for s in sheet.states}


def test_before_any_record_the_flags_hold(wb, world):
    sheet = wb.usecases.consent.show(world.staff["agent"], world.member_no)
    assert sheet.member.member_no == world.member_no and sheet.member.masked_name == "张*"
    assert _states(sheet) == {
        "partner_offers": False,
        "group_companies": False,
        "sms": True,
        "email": True,
        "phone": True,
    }
    assert all(s.since is None for s in sheet.states) and sheet.history == ()


def test_give_withdraw_and_history(wb, world, clock):
    desk, sales, agent = wb.usecases.consent, world.staff["sales_own"], world.staff["agent"]
    sheet = desk.give(sales, world.member_no, "partner_offers", "signed_form")
    assert _states(sheet)["partner_offers"] and not _states(sheet)["group_companies"]
    member = _member(wb, world)
    assert member.consent_third_party

    clock.advance(days=1)
    sheet = desk.withdraw(agent, world.member_no, "sms", "phone")
    member = _member(wb, world)
    assert member.sms_opt_out and member.consent_marketing and not member.email_opt_out
    clock.advance(days=1)
    desk.withdraw(agent, world.member_no, "email", "phone")
    sheet = desk.withdraw(agent, world.member_no, "PHONE", "phone")
    member = _member(wb, world)
    assert not member.consent_marketing and member.email_opt_out and member.sms_opt_out

    clock.advance(days=1)
    sheet = desk.give(sales, world.member_no, "email", "online")
    member = _member(wb, world)
    assert member.consent_marketing and not member.email_opt_out and member.sms_opt_out
    desk.withdraw(sales, world.member_no, "partner_offers", "signed_form")
    sheet = desk.show(agent, world.member_no)
    assert not _member(wb, world).consent_third_party
    assert _states(sheet) == {
        "partner_offers": False,
        "group_companies": False,
        "sms": False,
        "email": True,
        "phone": False,
    }
    # Every record kept, newest first, with who and how.
    assert [(h.kind, h.given, h.method) for h in sheet.history] == [
        ("partner_offers", False, "signed_form"),
        ("email", True, "online"),
        ("phone", False, "phone"),
        ("email", False, "phone"),
        ("sms", False, "phone"),
        ("partner_offers", True, "signed_form"),
        # the first record carried what the flags said of every other kind over
        ("phone", True, "carried_over"),
        ("email", True, "carried_over"),
        ("sms", True, "carried_over"),
        ("group_companies", False, "carried_over"),
    ]
    first = sheet.history[5]
    assert first.recorded_by == "sales_own (sales_own)" and sheet.history[-1].recorded_by == "—"
    assert first.recorded_at < sheet.history[0].recorded_at
    email = next(s for s in sheet.states if s.kind == "email")
    assert (email.method, email.recorded_by) == ("online", "sales_own (sales_own)")
    with wb.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("consent_%"))
        ).all()
    assert len(actions) == 6 and actions.count("consent_withdrawn") == 4


def test_messaging_reads_the_flags_the_records_set(wb, world):
    desk = wb.usecases.consent
    desk.withdraw(world.staff["agent"], world.member_no, "sms", "sms_reply")
    with wb.sessions() as session:
        member = session.get_one(Member, world.member_id)
        sms = wb.outbox.enqueue(
            session,
            member=member,
            template="monthly_care",
            channel="sms",
            purpose=Purpose.MARKETING,
            extra={"month": "2026-03", "points": 0},
        )
        email = wb.outbox.enqueue(
            session,
            member=member,
            template="monthly_care",
            channel="email",
            purpose=Purpose.MARKETING,
            extra={"month": "2026-03", "points": 0},
        )
        session.rollback()
    assert sms.message is None and "opted out of sms" in sms.reason
    assert email.message is not None


def test_bad_input_and_other_stores_record_nothing(wb, world):
    desk = wb.usecases.consent
    with pytest.raises(ValidationError, match="kind: one of partner_offers"):
        desk.give(world.staff["agent"], world.member_no, "carrier_pigeon", "phone")
    for how in ("telepathy", "carried_over"):
        with pytest.raises(ValidationError, match="how: one of signed_form"):
            desk.give(world.staff["agent"], world.member_no, "sms", how)
    with pytest.raises(UnknownMember):
        desk.give(world.staff["manager_other"], world.member_no, "sms", "signed_form")
    with pytest.raises(PermissionDenied):
        desk.give(world.staff["analyst"], world.member_no, "sms", "signed_form")
    with wb.sessions() as session:
        assert session.scalars(select(ConsentRecord)).all() == []


def test_sharing_honours_the_consent_of_the_kind_shared(wb, world):
    admin = world.staff["admin"]
    args = dict(member_no=world.member_no, partner="Bank", agreement_ref="AG-7", fields=["name"])
    wb.usecases.consent.give(
        world.staff["sales_own"], world.member_no, "group_companies", "signed_form"
    )
    assert wb.sharing.share_with_third_party(admin, kind="group_companies", **args) == {
        "name": "张伟"
    }
    with pytest.raises(AccessDenied, match=r"consented to sharing \(partner_offers\)"):
        wb.sharing.share_with_third_party(admin, kind="partner_offers", **args)
    with pytest.raises(ValidationError, match="kind"):
        wb.sharing.share_with_third_party(admin, kind="sms", **args)
    wb.usecases.consent.withdraw(world.staff["agent"], world.member_no, "group_companies", "phone")
    with pytest.raises(AccessDenied, match="consented"):
        wb.sharing.share_with_third_party(admin, kind="group_companies", **args)


def test_an_sms_stop_reply_is_a_consent_record(wb, world):
    from workbench.messaging.inbound import handle_inbound_sms

    with wb.sessions() as session:
        result = handle_inbound_sms(wb, session, from_number=world.app.phone, body="退订")
        session.commit()
    assert result.action == "opted_out"
    sheet = wb.usecases.consent.show(world.staff["agent"], world.member_no)
    assert (sheet.history[0].kind, sheet.history[0].given, sheet.history[0].method) == (
        "sms",
        False,
        "sms_reply",
    )
    assert sheet.history[0].recorded_by == "—" and _member(wb, world).sms_opt_out
