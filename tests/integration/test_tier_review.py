"""The periodic tier review on both backends."""

from datetime import timedelta
from decimal import Decimal

from tests.factories import application


def _active(wb, people, session):
    member = wb.registry.apply(session, application=application(), actor=people.sales)
    wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
    return member


def test_review_promotes_and_demotes_from_period_spend(wb, people, clock):
    with wb.sessions() as session:
        big = _active(wb, people, session)
        frequent = _active(wb, people, session)
        lapsed = _active(wb, people, session)
        lapsed.tier_code = "gold"
        quiet = _active(wb, people, session)
        wb.ledger.record_purchase(session, member=big, amount=Decimal("20000"), store_id=1)
        for _ in range(12):
            wb.ledger.record_purchase(session, member=frequent, amount=Decimal("10"), store_id=1)
        # Spend older than the 12-month period does not count.
        wb.ledger.record_purchase(
            session,
            member=lapsed,
            amount=Decimal("90000"),
            store_id=1,
            at=clock.now() - timedelta(days=400),
        )
        session.commit()

        changes = {c.member_no: c for c in wb.tier_review.proposed_changes(session)}
        assert set(changes) == {big.member_no, frequent.member_no, lapsed.member_no}
        assert (changes[big.member_no].new_tier, changes[big.member_no].direction) == (
            "gold",
            "promoted",
        )
        assert changes[big.member_no].spend == Decimal("20000.00")
        assert changes[frequent.member_no].new_tier == "silver"
        assert changes[frequent.member_no].visits == 12
        assert (changes[lapsed.member_no].new_tier, changes[lapsed.member_no].direction) == (
            "regular",
            "demoted",
        )
        assert quiet.member_no not in changes

        # A dry run writes nothing; applying does, and a second review proposes nothing.
        assert wb.registry.get(session, big.member_no).tier_code == "regular"
        wb.tier_review.apply(session, list(changes.values()))
        session.commit()
        assert wb.registry.get(session, big.member_no).tier_code == "gold"
        assert wb.tier_review.proposed_changes(session) == []
        assert wb.registry.events(session, lapsed.id)[-1].kind == "tier_demoted"


def test_manual_grant_survives_review_until_it_ends(wb, people, clock):
    with wb.sessions() as session:
        member = _active(wb, people, session)
        wb.registry.grant_tier(
            session,
            member_no=member.member_no,
            tier_code="platinum",
            reason="partner",
            requested_by=people.agent,
            approved_by=people.supervisor,
            until=clock.now() + timedelta(days=90),
        )
        session.commit()
        assert wb.tier_review.proposed_changes(session) == []
        clock.advance(days=91)
        [change] = wb.tier_review.proposed_changes(session)
        assert (change.old_tier, change.new_tier) == ("platinum", "regular")
