"""The `points_expiring_days` segment selects members by points still alive that expire within
the window (the ledger's model), not by credits that were already spent (issue 22 item 10)."""

from sqlalchemy import select

from tests.integration.test_campaigns import _called, _campaign, _members, _tasks
from workbench.callbacks.models import CallbackTask
from workbench.members.models import Member, PointsKind

# member -> (first credit spent, a later credit of 500 that expires after the window)
SPENT = {"a": (100, True), "b": (50, True), "c": (0, False), "d": (100, False), "e": (60, False)}
SPENT |= {"f": (0, False)}
ALIVE_IN_WINDOW = {"b", "c", "e", "f"}  # a's and d's expiring credit is spent


def _ledger_world(wb, world, clock) -> dict[str, int]:
    ids = dict(zip(SPENT, _members(wb, world, len(SPENT)), strict=True))
    with wb.sessions() as session:
        for member_id in ids.values():
            wb.ledger.credit(session, member_id=member_id, kind=PointsKind.ACTIVITY, points=100)
        session.commit()
    clock.advance(days=100)
    with wb.sessions() as session:
        for name, (spent, later) in SPENT.items():
            member = session.get(Member, ids[name])
            if later:
                wb.ledger.credit(session, member_id=member.id, kind=PointsKind.ACTIVITY, points=500)
            if spent:
                wb.ledger.adjust(session, member=member, points=-spent, staff_id=None, detail="t")
        session.commit()
    clock.advance(days=2 * 365 - 100 - 20)  # the first credits expire in 20 days
    return ids


def test_only_members_with_alive_expiring_points_are_called(wb, world, clock):
    ids = _ledger_world(wb, world, clock)
    campaign = _campaign(wb, world, '{"points_expiring_days": 30}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == len(ALIVE_IN_WINDOW)
    assert _tasks(wb, campaign.id) == len(ALIVE_IN_WINDOW)
    assert _called(wb, campaign.id) == {ids[n] for n in ALIVE_IN_WINDOW}
    with wb.sessions() as session:  # the same members the ledger says have points expiring
        expiring = {e.member_id: e.points for e in wb.ledger.expiring_within(session, 30)}
    assert set(expiring) == {ids[n] for n in ALIVE_IN_WINDOW}
    assert expiring[ids["b"]] == 50 and expiring[ids["e"]] == 40


def test_a_window_short_of_the_expiry_selects_no_one(wb, world, clock):
    _ledger_world(wb, world, clock)
    campaign = _campaign(wb, world, '{"points_expiring_days": 10}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == 0
    with wb.sessions() as session:
        query = select(CallbackTask).where(CallbackTask.campaign_id == campaign.id)
        assert not session.scalars(query).all()


def test_with_the_later_credits_in_the_window_the_spent_first_credit_does_not_hide_them(
    wb, world, clock
):
    ids = _ledger_world(wb, world, clock)
    clock.advance(days=30)  # the first credits have expired; the later 500 expire in 90 days
    campaign = _campaign(wb, world, '{"points_expiring_days": 100}', capacity=100)
    assert wb.campaigns.materialise(campaign.id) == 2
    assert _called(wb, campaign.id) == {ids["a"], ids["b"]}
