"""Who may earn and spend points: a frozen (lost) card is refused at once, a replaced card for
good, a terminated member's rights are settled, and an applicant has none yet. Enforced by the
ledger itself, so every caller obeys."""

from decimal import Decimal

import pytest

from tests.factories import application
from workbench.errors import CardNotUsable, MemberNotActive, NotFound
from workbench.members.models import PointsKind


def _earn(wb, session, member, card_no=None, amount="100"):
    return wb.ledger.record_purchase(
        session, member=member, amount=Decimal(amount), store_id=1, card_no=card_no
    )


def test_a_lost_card_is_refused_at_once_and_for_good(wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        old = wb.registry.current_card(session, member.id)
        _earn(wb, session, member, old.card_no, "2000")
        wb.registry.report_lost(session, member_no=member_no, actor=people.agent)
        session.commit()

        with pytest.raises(CardNotUsable, match="frozen .*reissue"):
            _earn(wb, session, member, old.card_no)
        with pytest.raises(CardNotUsable, match="frozen"):
            wb.ledger.redeem(session, member=member, reward_code="gift-100")
        with pytest.raises(CardNotUsable, match="frozen"):
            wb.ledger.redeem(session, member=member, reward_code="gift-100", card_no=old.card_no)
        # An order from the member's own account (no card presented) still earns: the freeze
        # stops the lost card, not the member's account.
        by_account = _earn(wb, session, member, None, "50")
        assert by_account.points_earned == 50
        session.commit()
        assert wb.ledger.balance(session, member.id) == 2050

        new = wb.registry.reissue_card(session, member_no=member_no, actor=people.agent)
        session.commit()
        # The old card stays refused after the reissue; the new one works.
        with pytest.raises(CardNotUsable, match="frozen"):
            _earn(wb, session, member, old.card_no)
        _earn(wb, session, member, new.card_no)
        wb.ledger.redeem(session, member=member, reward_code="gift-100", card_no=new.card_no)
        session.commit()
        assert wb.ledger.balance(session, member.id) == 2150 - 1000


def test_a_replaced_card_and_someone_elses_card_are_refused(wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        old = wb.registry.current_card(session, member.id)
        wb.registry.reissue_card(session, member_no=member_no, actor=people.agent)
        other = wb.registry.apply(session, application=application(), actor=people.sales)
        wb.registry.approve(session, member_no=other.member_no, actor=people.agent)
        other_card = wb.registry.current_card(session, other.id)
        session.commit()
        with pytest.raises(CardNotUsable, match="replaced"):
            _earn(wb, session, member, old.card_no)
        with pytest.raises(NotFound, match="has no card"):
            _earn(wb, session, member, other_card.card_no)
        # A card waiting for activation may be used: the member is approved.
        assert _earn(wb, session, other, other_card.card_no).points_earned == 100


def test_a_terminated_member_neither_earns_nor_spends(wb, people, active_member):
    member_no, _ = active_member
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        card = wb.registry.current_card(session, member.id)
        _earn(wb, session, member, card.card_no, "3000")
        wb.registry.terminate(session, member_no=member_no, reason="voluntary", actor=people.agent)
        session.commit()
        assert wb.ledger.balance(session, member.id) == 0
        for attempt in (
            lambda: _earn(wb, session, member),
            lambda: _earn(wb, session, member, card.card_no),
            lambda: wb.ledger.redeem(session, member=member, reward_code="voucher-20"),
            lambda: wb.ledger.credit(
                session, member_id=member.id, kind=PointsKind.ACTIVITY, points=10
            ),
        ):
            with pytest.raises(MemberNotActive, match="terminated"):
                attempt()
        session.rollback()
        assert wb.ledger.balance(session, member.id) == 0
        assert [e.kind for e in wb.ledger.history(session, member.id)] == [
            PointsKind.SETTLEMENT,
            PointsKind.PURCHASE,
        ]


def test_an_applicant_has_no_points_yet(wb, people):
    with wb.sessions() as session:
        pending = wb.registry.apply(session, application=application(), actor=people.sales)
        with pytest.raises(MemberNotActive, match="pending_review"):
            _earn(wb, session, pending)
        with pytest.raises(MemberNotActive, match="pending_review"):
            wb.ledger.credit(session, member_id=pending.id, kind=PointsKind.ACTIVITY, points=5)
