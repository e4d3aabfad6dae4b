"""Application, review, cards and termination on both backends."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import application, fake_id_number
from workbench.errors import (
    DuplicateMember,
    InvalidIdNumber,
    InvalidPhoneNumber,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from workbench.members import registry as registry_module
from workbench.members.models import CardStatus, MemberStatus, PointsKind


def test_application_is_pending_and_encrypted(wb, people):
    app = application(name="李雷")
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        session.commit()
        assert member.status == MemberStatus.PENDING_REVIEW
        assert member.sales_staff_id == people.sales.id
        assert "李雷" not in (member.name_enc or "")
        assert wb.registry.decrypt(member)["name"] == "李雷"
        assert wb.registry.decrypt(member)["birthday"] == "1990-03-15"
        assert member.birth_month_day == "0315"


@pytest.mark.parametrize(
    "change, error, field",
    [
        ({"phone": "12345678901"}, InvalidPhoneNumber, "phone"),
        ({"phone": "010-12345678"}, InvalidPhoneNumber, "phone"),
        ({"id_number": "110101199003151230"}, InvalidIdNumber, "id_number"),
        ({"id_number": "11010119900315"}, InvalidIdNumber, "id_number"),
        ({"name": "   "}, ValidationError, "name"),
        ({"email": "not-an-email"}, ValidationError, "email"),
        ({"channel": "carrier-pigeon"}, ValidationError, "channel"),
        ({"store_code": "NOPE"}, ValidationError, "store"),
    ],
)
def test_bad_application_is_refused_with_the_field(wb, people, change, error, field):
    with wb.sessions() as session:
        with pytest.raises(error) as caught:
            wb.registry.apply(session, application=application(**change), actor=people.sales)
        assert caught.value.field == field


def test_duplicates_by_phone_or_id_are_refused_without_naming_the_member(wb, people):
    first = application()
    with wb.sessions() as session:
        existing = wb.registry.apply(session, application=first, actor=people.sales)
        session.commit()
        # The same phone written another way is the same phone.
        spaced = f"+86 {first.phone[:3]} {first.phone[3:7]} {first.phone[7:]}"
        with pytest.raises(DuplicateMember) as by_phone:
            wb.registry.apply(session, application=application(phone=spaced), actor=people.sales)
        assert existing.member_no not in str(by_phone.value)  # the audit entry names them
        with pytest.raises(DuplicateMember) as by_id:
            wb.registry.apply(
                session,
                application=application(id_number=first.id_number.lower()),
                actor=people.sales,
            )
        assert existing.member_no not in str(by_id.value)


def test_a_drawn_member_number_already_taken_is_drawn_again(wb, people, monkeypatch):
    with wb.sessions() as session:
        taken = wb.registry.apply(session, application=application(), actor=people.sales)
        session.commit()
        draws = iter([taken.member_no, "M000000017"])
        monkeypatch.setattr(registry_module, "random_member_no", lambda: next(draws))
        second = wb.registry.apply(session, application=application(), actor=people.sales)
        session.commit()
    assert second.member_no == "M000000017"


def test_reject_resubmit_approve(wb, people):
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=application(), actor=people.sales)
        with pytest.raises(ValidationError):
            wb.registry.reject(session, member_no=member.member_no, reason=" ", actor=people.agent)
        with pytest.raises(PermissionDenied):
            wb.registry.approve(session, member_no=member.member_no, actor=people.sales)
        wb.registry.reject(
            session, member_no=member.member_no, reason="ID photo unreadable", actor=people.agent
        )
        assert member.status == MemberStatus.REJECTED
        with pytest.raises(InvalidState):
            wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        corrected = application(name="王晓明")
        wb.registry.resubmit(
            session, member_no=member.member_no, application=corrected, actor=people.sales
        )
        assert member.status == MemberStatus.PENDING_REVIEW
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        session.commit()
        assert member.status == MemberStatus.ACTIVE
        assert wb.registry.decrypt(member)["name"] == "王晓明"
        kinds = [e.kind for e in wb.registry.events(session, member.id)]
        assert kinds == ["applied", "rejected", "resubmitted", "approved"]


def test_referral_bonus_by_new_members_tier(wb, people, active_member):
    referrer_no, _ = active_member
    with wb.sessions() as session:
        newcomer = wb.registry.apply(
            session,
            application=application(referrer_member_no=referrer_no),
            actor=people.sales,
        )
        wb.registry.approve(session, member_no=newcomer.member_no, actor=people.agent)
        session.commit()
        referrer = wb.registry.get(session, referrer_no)
        assert newcomer.referrer_id == referrer.id
        assert wb.ledger.balance(session, referrer.id) == wb.scheme.base.referral_bonus == 100


def test_card_activation_binds_the_phone(wb, people):
    app = application()
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        card = wb.registry.current_card(session, member.id)
        assert card.status == CardStatus.ISSUED
        with pytest.raises(ValidationError):
            wb.registry.activate_card(
                session, card_no=card.card_no, phone="13900000000", actor=people.agent
            )
        with pytest.raises(NotFound):
            wb.registry.activate_card(session, card_no="0000", phone=app.phone, actor=people.agent)
        wb.registry.activate_card(
            session, card_no=card.card_no, phone=app.phone, actor=people.agent
        )
        assert card.status == CardStatus.ACTIVE
        with pytest.raises(InvalidState):
            wb.registry.activate_card(
                session, card_no=card.card_no, phone=app.phone, actor=people.agent
            )


def test_lost_card_is_frozen_at_once_and_reissue_keeps_history(wb, people, active_member, clock):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("100"), store_id=1)
        old = wb.registry.report_lost(session, member_no=member_no, actor=people.agent)
        session.commit()
        assert old.status == CardStatus.LOST and old.lost_at == clock.now()
        # Further use is refused while frozen, with a message that says what to do.
        with pytest.raises(InvalidState, match="reissue"):
            wb.registry.require_usable_card(session, member)
        with pytest.raises(InvalidState):
            wb.registry.report_lost(session, member_no=member_no, actor=people.agent)
        clock.advance(hours=2)
        new = wb.registry.reissue_card(session, member_no=member_no, actor=people.agent)
        session.commit()
        assert new.card_no != old.card_no and new.status == CardStatus.ACTIVE
        assert new.replaces_card_id == old.id
        assert old.status == CardStatus.LOST and old.closed_at == clock.now()
        assert [c.card_no for c in wb.registry.cards(session, member.id)] == [
            old.card_no,
            new.card_no,
        ]
        # The old card still finds the member (history), but is not usable.
        found_member, found_card = wb.registry.find_by_card(session, old.card_no)
        assert found_member.id == member.id and found_card.status == CardStatus.LOST
        assert wb.registry.require_usable_card(session, member).id == new.id


def test_voluntary_termination_erases_personal_data_and_keeps_the_books(
    wb, people, active_member, clock
):
    member_no, app = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("250"), store_id=1)
        session.commit()
        balance = wb.ledger.balance(session, member.id)
        assert balance == 250
        wb.registry.terminate(session, member_no=member_no, reason="voluntary", actor=people.agent)
        session.commit()
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        assert member.status == MemberStatus.TERMINATED and member.erased_at == clock.now()
        for name in ("name", "phone", "id_number", "email", "address", "birthday"):
            assert getattr(member, f"{name}_enc") is None
        assert member.phone_bidx is None and member.id_number_bidx is None
        assert member.birth_month_day is None
        assert wb.registry.find_by_phone(session, app.phone) is None
        assert wb.ledger.balance(session, member.id) == 0
        kinds = [e.kind for e in wb.ledger.history(session, member.id)]
        assert kinds == [PointsKind.SETTLEMENT, PointsKind.PURCHASE]
        assert {c.status for c in wb.registry.cards(session, member.id)} == {CardStatus.TERMINATED}
        # The same person may join again: the erased row no longer blocks the phone.
        wb.registry.apply(
            session,
            application=application(phone=app.phone, id_number=app.id_number),
            actor=people.sales,
        )


def test_involuntary_termination_needs_notice(wb, people, active_member, clock):
    member_no, _ = active_member
    with wb.sessions() as session:
        with pytest.raises(InvalidState, match="notice"):
            wb.registry.terminate(
                session, member_no=member_no, reason="inactivity", actor=people.supervisor
            )
        with pytest.raises(ValidationError):
            wb.registry.terminate(
                session, member_no=member_no, reason="boredom", actor=people.admin
            )
        wb.registry.give_termination_notice(
            session, member_no=member_no, reason="inactivity", actor=people.supervisor
        )
        clock.advance(timedelta(days=30) - timedelta(seconds=1))
        with pytest.raises(InvalidState, match="notice period"):
            wb.registry.terminate(
                session, member_no=member_no, reason="inactivity", actor=people.supervisor
            )
        clock.advance(seconds=1)
        wb.registry.terminate(
            session, member_no=member_no, reason="inactivity", actor=people.supervisor
        )
        with pytest.raises(InvalidState, match="already"):
            wb.registry.terminate(
                session, member_no=member_no, reason="voluntary", actor=people.supervisor
            )


def test_manual_platinum_grant_needs_a_second_approver(wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        with pytest.raises(PermissionDenied):
            wb.registry.grant_tier(
                session,
                member_no=member_no,
                tier_code="platinum",
                reason="VIP",
                requested_by=people.supervisor,
                approved_by=people.supervisor,
            )
        with pytest.raises(PermissionDenied):
            wb.registry.grant_tier(
                session,
                member_no=member_no,
                tier_code="platinum",
                reason="VIP",
                requested_by=people.supervisor,
                approved_by=people.agent,
            )
        with pytest.raises(ValidationError):
            wb.registry.grant_tier(
                session,
                member_no=member_no,
                tier_code="gold",
                reason="VIP",
                requested_by=people.agent,
                approved_by=people.supervisor,
            )
        member = wb.registry.grant_tier(
            session,
            member_no=member_no,
            tier_code="platinum",
            reason="long-standing customer",
            requested_by=people.agent,
            approved_by=people.supervisor,
        )
        session.commit()
        assert member.tier_code == "platinum" and member.tier_locked_until is not None
        event = wb.registry.events(session, member.id)[-1]
        assert event.kind == "tier_granted" and event.approved_by_id == people.supervisor.id


def test_unknown_member_number_is_a_clear_error(wb, people):
    with wb.sessions() as session, pytest.raises(NotFound, match="M999"):
        wb.registry.get(session, "M999")


def test_id_number_lookup(wb, people, active_member):
    member_no, app = active_member
    with wb.sessions() as session:
        assert wb.registry.find_by_id_number(session, app.id_number).member_no == member_no
        assert wb.registry.find_by_id_number(session, fake_id_number(serial=99999)) is None
