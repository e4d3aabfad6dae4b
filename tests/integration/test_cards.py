"""The card lifecycle through its use cases, on both backends: every step and its refusal, the
roles allowed, the notices queued and the audit written."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlmodel import col

from tests.factories import add_staff, application
from workbench.audit.models import AuditEntry
from workbench.errors import CardNotUsable, InvalidState, PermissionDenied, ValidationError
from workbench.members import rights
from workbench.members.models import CardStatus, Role
from workbench.messaging.models import OutboxMessage
from workbench.usecases.cards import CardAction
from workbench.usecases.member_refs import UnknownMember

A, L, F, RI, RP = (
    CardAction.ACTIVATE,
    CardAction.LOST,
    CardAction.FOUND,
    CardAction.REISSUE,
    CardAction.REPLACE,
)


@pytest.fixture
def desk(wb):
    return wb.usecases.cards


@pytest.fixture
def manager(wb, people, clock):
    with wb.sessions() as session:
        staff = add_staff(session, clock, "manager1", Role.STORE_MANAGER, people.store)
        session.commit()
        return staff


def _notices(wb, member_no: str) -> list[tuple[str, str]]:
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        rows = session.scalars(
            select(OutboxMessage)
            .where(col(OutboxMessage.member_id) == member.id)
            .order_by(col(OutboxMessage.id))
        )
        return [(m.template, m.channel) for m in rows]


def _audit(wb, action: str) -> list[AuditEntry]:
    with wb.sessions() as session:
        query = (
            select(AuditEntry).where(col(AuditEntry.action) == action).order_by(col(AuditEntry.seq))
        )
        return list(session.scalars(query))


def _usable(wb, member_no: str, card_no: str | None = None) -> bool:
    """Whether a redemption (and, with a card, a purchase) may use the member's card now."""
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        try:
            rights.may_spend(session, member, card_no)
            if card_no is not None:
                rights.may_earn(session, member, card_no)
        except CardNotUsable:
            return False
        return True


def test_lost_found_lost_reissue_with_notices_audit_and_rights(wb, desk, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.record_purchase(session, member=member, amount=Decimal("300"), store_id=1)
        member.tier_code = "gold"
        session.commit()
        first = wb.registry.current_card(session, member.id).card_no
        points = wb.ledger.balance(session, member.id)
    listed = desk.cards(people.agent, member_no)
    assert listed.member.member_no == member_no and listed.member.masked_name == "王**"
    assert [(c.card_no, c.status, c.current) for c in listed.cards] == [(first, "active", True)]
    assert listed.actions == (L,)  # the hotline may only freeze
    assert desk.cards(people.sales, first).actions == (L, RP)  # named by the card number

    lost = desk.report_lost(people.agent, member_no)
    assert (lost.card_no, lost.status) == (first, "lost")
    assert not _usable(wb, member_no) and not _usable(wb, member_no, first)
    assert desk.cards(people.agent, member_no).actions == ()
    assert desk.cards(people.sales, member_no).actions == (F, RI)
    with pytest.raises(PermissionDenied):
        desk.found(people.agent, member_no)
    with pytest.raises(InvalidState, match="no usable card"):
        desk.report_lost(people.agent, member_no)
    with pytest.raises(InvalidState, match="reissue it instead"):
        desk.replace_damaged(people.sales, member_no)

    found = desk.found(people.sales, first)
    assert (found.card_no, found.status) == (first, "active")
    assert _usable(wb, member_no, first)

    desk.report_lost(people.sales, member_no)
    new = desk.reissue(people.supervisor, member_no)
    assert new.card_no != first and new.status == "active" and new.old_card_no == first
    cards = desk.cards(people.sales, member_no).cards
    assert [(c.card_no, c.status, c.current) for c in cards] == [
        (first, "lost", False),
        (new.card_no, "active", True),
    ]
    assert cards[0].closed_at is not None
    # The lost card stays frozen for good once a new number is out; the new one works.
    with pytest.raises(InvalidState, match=f"card {first} stays frozen"):
        desk.found(people.sales, member_no)
    assert not _usable(wb, member_no, first) and _usable(wb, member_no, new.card_no)
    with wb.sessions() as session:  # points and tier are the member's, not the card's
        member = wb.registry.get(session, member_no)
        assert wb.ledger.balance(session, member.id) == points and member.tier_code == "gold"

    card_notices = [n for n in _notices(wb, member_no) if n[0].startswith("card_")]
    assert card_notices == [
        (notice, channel)
        for notice in ("card_activated", "card_lost", "card_found", "card_lost", "card_reissued")
        for channel in ("sms", "email")
        if (notice, channel) != ("card_activated", "email")
    ]
    assert [e.actor_id for e in _audit(wb, "card_lost")] == [people.agent.id, people.sales.id]
    assert [e.actor_id for e in _audit(wb, "card_found")] == [people.sales.id]
    (reissue,) = _audit(wb, "card_reissue")
    assert reissue.actor_id == people.supervisor.id and first in reissue.detail


def test_replace_a_damaged_card(wb, desk, people, active_member, manager):
    member_no, _ = active_member
    old = desk.cards(people.sales, member_no).cards[0].card_no
    with pytest.raises(InvalidState, match="reported lost"):
        desk.reissue(manager, member_no)  # a working card is replaced, not reissued
    with pytest.raises(PermissionDenied):
        desk.replace_damaged(people.agent, member_no)
    new = desk.replace_damaged(manager, member_no)
    assert new.status == "active" and new.old_card_no == old
    cards = desk.cards(manager, member_no).cards
    assert [(c.card_no, c.status) for c in cards] == [(old, "damaged"), (new.card_no, "active")]
    with pytest.raises(CardNotUsable, match="replaced"), wb.sessions() as session:
        rights.may_earn(session, wb.registry.get(session, member_no), old)
    assert _usable(wb, member_no, new.card_no)
    assert ("card_replaced", "sms") in _notices(wb, member_no)
    (entry,) = _audit(wb, "card_replace")
    assert entry.actor_id == manager.id and old in entry.detail and new.card_no in entry.detail


def test_activation_binds_the_phone_and_a_wrong_one_is_refused_and_audited(wb, desk, people):
    app = application()
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        session.commit()
        member_no = member.member_no
        card_no = wb.registry.current_card(session, member.id).card_no
    assert desk.cards(people.sales, member_no).actions == (A, L, RP)
    assert desk.cards(people.agent, member_no).actions == (L,)
    with pytest.raises(PermissionDenied):
        desk.activate(people.agent, card_no, app.phone)
    with pytest.raises(ValidationError, match="does not match"):
        desk.activate(people.sales, card_no, "13800000000")
    (refused,) = _audit(wb, "card_activate")
    assert refused.result == "refused" and refused.actor_id == people.sales.id
    assert "13800000000" not in refused.detail  # the phone tried is personal: never kept
    with pytest.raises(ValidationError, match="card"):
        desk.activate(people.sales, member_no, app.phone)  # a member number is not a card
    with pytest.raises(ValidationError, match="phone"):
        desk.activate(people.sales, card_no, " ")

    done = desk.activate(people.sales, card_no, app.phone)
    assert (done.card_no, done.status, done.member_no) == (card_no, "active", member_no)
    with pytest.raises(InvalidState, match="not waiting for activation"):
        desk.activate(people.sales, card_no, app.phone)
    assert ("card_activated", "sms") in _notices(wb, member_no)
    assert [e.result for e in _audit(wb, "card_activate")] == ["refused", "ok"]


def test_unknown_and_out_of_scope_members_get_the_same_refusal(wb, desk, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        elsewhere = add_staff(session, wb.clock, "sales_bj", Role.SALES, people.other_store)
        analyst = people.analyst
        session.commit()
    for reference in ("M000000000", "9000000000000", ""):
        with pytest.raises(UnknownMember):
            desk.report_lost(people.sales, reference)
    with pytest.raises(UnknownMember) as refused:
        desk.reissue(elsewhere, member_no)
    assert str(refused.value) == f"no member or card {member_no!r} that you may act on"
    with pytest.raises(UnknownMember):
        desk.cards(elsewhere, member_no)
    with pytest.raises(PermissionDenied):
        desk.cards(analyst, member_no)
    with pytest.raises(PermissionDenied):
        desk.report_lost(analyst, member_no)
    with pytest.raises(UnknownMember):
        desk.activate(people.sales, "9000000000000", "13900000000")
    assert desk.cards(people.sales, member_no).cards[0].status == CardStatus.ACTIVE


def test_a_terminated_members_cards_do_not_move(wb, desk, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        wb.registry.terminate(session, member_no=member_no, reason="voluntary", actor=people.admin)
        session.commit()
    listed = desk.cards(people.admin, member_no)
    assert listed.actions == () and listed.cards[0].status == "terminated"
    for step in (desk.report_lost, desk.found, desk.reissue, desk.replace_damaged):
        with pytest.raises(InvalidState):
            step(people.admin, member_no)


def test_two_desks_reissuing_at_once_give_one_new_card(wb, desk, people, active_member, manager):
    from concurrent.futures import ThreadPoolExecutor

    member_no, _ = active_member
    desk.report_lost(people.agent, member_no)

    def reissue(actor):
        try:
            return desk.reissue(actor, member_no)
        except InvalidState as refused:
            return refused

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(reissue, [people.sales, manager]))
    assert sum(isinstance(r, InvalidState) for r in results) == 1
    statuses = [c.status for c in desk.cards(manager, member_no).cards]
    assert statuses == ["lost", "active"]
