"""What pulled orders mean for points (issue 19): old orders never make expired points alive, not
even for a moment of the first pull; cancelled and refunded orders take back the points they
earned by the rules of a return at a store (never more than may be spent, the shortfall
recorded), once."""

from decimal import Decimal

from sqlalchemy import func, select

from tests.fixtures_odoo import add_order, add_partner, partner_phone
from workbench.crm.models import SyncIssue
from workbench.members.models import Member, PointsEntry, Purchase
from workbench.members.return_models import PurchaseReturn


def member(wb, serial: int) -> Member:
    with wb.sessions() as session:
        found = wb.registry.find_by_phone(session, partner_phone(serial))
        assert found is not None
        return found


def stored(wb, member_id: int) -> int:
    with wb.sessions() as session:
        return wb.ledger.stored_balance(session, member_id)


def returns(wb) -> list[PurchaseReturn]:
    with wb.sessions() as session:
        return list(session.scalars(select(PurchaseReturn).order_by(PurchaseReturn.id)))


def test_the_balance_at_every_moment_of_a_first_pull_never_includes_expired_points(
    wb, world, odoo, sync, clock
):
    # The workbench's clock is 2026-03-02: points earned before 2024-03-02 have expired.
    partners = [add_partner(odoo, serial) for serial in range(1, 5)]
    alive = {}
    for index, partner in enumerate(partners):
        for year, amount in ((2022, 500), (2023, 700), (2024, 100), (2025, 40 + index)):
            add_order(odoo, partner, amount, when=f"{year}-06-01 03:00:00")
        alive[partner] = 100 + 40 + index
    seen: list[tuple[int, int, int]] = []

    def look(model: str, method: str) -> None:
        """Before every call Odoo answers, what another session sees committed."""
        if method != "search_read":
            return
        now = clock.now()
        with wb.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # One snapshot for every read below: the pull commits beside this look-up
                # (pages are fetched ahead on another thread), and READ COMMITTED would let
                # the sum and the stored balance come from different moments.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            rows = session.execute(
                select(PointsEntry.member_id, func.sum(PointsEntry.points)).group_by(
                    PointsEntry.member_id
                )
            ).all()
            for member_id, total in rows:
                entries = session.scalars(
                    select(PointsEntry).where(PointsEntry.member_id == member_id)
                ).all()
                # the credits still alive now: the most a member may hold
                most = sum(e.points for e in entries if e.points > 0 and e.expires_at > now)
                balance = wb.ledger.stored_balance(session, member_id)
                seen.append((member_id, int(total), balance))
                assert balance == int(total)
                assert balance <= most, "expired points were alive"
                assert wb.ledger.balance(session, member_id) <= most

    odoo.on_call = look
    report = sync.pull(actor=world.staff["admin"])
    odoo.on_call = None

    assert report.outcome == "ok"
    assert seen, "the pull was never looked at while it ran"
    for serial, partner in enumerate(partners, start=1):
        assert stored(wb, member(wb, serial).id) == alive[partner]
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Purchase)) == 16


def test_a_cancelled_order_takes_its_points_back_once(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    order = add_order(odoo, partner, 200.0)
    sync.pull(actor=world.staff["admin"])
    who = member(wb, 1)
    assert stored(wb, who.id) == 200

    odoo.clock.jump(seconds=10)
    odoo.update("sale.order", order, state="cancel")
    report = sync.pull(actor=world.staff["admin"])

    assert report.counts["orders_cancelled"] == 1
    assert report.counts["points_taken_back"] == 200
    assert stored(wb, who.id) == 0
    [taken] = returns(wb)
    assert taken.return_ref == f"cancel/sale.order/{order}"
    assert taken.amount == Decimal("200.00") and taken.points_shortfall == 0

    odoo.clock.jump(seconds=10)
    odoo.update("sale.order", order, name="SAL-again")  # read again: nothing changes
    again = sync.pull(actor=world.staff["admin"])
    assert again.counts["orders_cancelled"] == 0 and again.counts["orders_reversed_known"] == 1
    assert len(returns(wb)) == 1 and stored(wb, who.id) == 0


def test_an_order_cancelled_before_it_was_taken_earns_nothing(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    add_order(odoo, partner, 80.0, state="cancel")
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["orders_cancelled_not_taken"] == 1
    assert stored(wb, member(wb, 1).id) == 0 and returns(wb) == []


def test_a_refund_takes_back_its_share_never_below_what_was_spent(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    sale = add_order(odoo, partner, 300.0, model="pos.order")
    sync.pull(actor=world.staff["admin"])
    who = member(wb, 1)
    assert stored(wb, who.id) == 300
    with wb.sessions() as session:  # the member spends most of them
        wb.ledger.adjust(
            session, member=session.get(Member, who.id), points=-250, staff_id=None, detail="gift"
        )
        session.commit()

    odoo.clock.jump(seconds=10)
    refund = add_order(odoo, partner, -150.0, model="pos.order", state="paid")
    odoo.update("pos.order", refund, refunded_order_ids=[sale])
    report = sync.pull(actor=world.staff["admin"])

    assert report.counts["orders_refunded"] == 1
    [taken] = returns(wb)
    assert taken.return_ref == f"refund/pos.order/{refund}"
    assert taken.amount == Decimal("150.00")
    assert (taken.points_reversed, taken.points_shortfall) == (50, 100)  # 150 due, 50 left
    assert stored(wb, who.id) == 0

    odoo.clock.jump(seconds=10)
    rest = add_order(odoo, partner, -200.0, model="pos.order", state="paid")
    odoo.update("pos.order", rest, refunded_order_ids=[sale])
    sync.pull(actor=world.staff["admin"])
    second = returns(wb)[1]
    assert second.amount == Decimal("150.00")  # what remained of the sale, not more
    assert second.points_reversed == 0 and second.points_shortfall == 150


def test_a_refund_without_a_known_original_is_listed(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    add_order(odoo, partner, 100.0, model="pos.order")
    refund = add_order(odoo, partner, -30.0, model="pos.order")
    report = sync.pull(actor=world.staff["admin"])
    assert report.outcome == "ok" and returns(wb) == []
    assert stored(wb, member(wb, 1).id) == 100
    with wb.sessions() as session:
        [issue] = session.scalars(select(SyncIssue).where(SyncIssue.model == "pos.order")).all()
    assert issue.odoo_id == refund and issue.member_id == member(wb, 1).id
    assert "original order" in issue.reason


def test_a_push_never_writes_points_past_their_expiry(wb, world, odoo, sync, clock):
    """Between a lot's expiry and the nightly expiry job, the push writes what the member may
    spend now: it records the expiry first, as the job would."""
    admin = world.staff["admin"]
    partner = add_partner(odoo, 1)
    add_order(odoo, partner, 100.0, when="2024-06-01 03:00:00")  # expires 2026-06-01
    add_order(odoo, partner, 30.0, when="2025-06-01 03:00:00")  # expires 2027-06-01
    sync.pull(actor=admin)
    sync.push(actor=admin)
    assert odoo.record("res.partner", partner)["x_workbench_points"] == 130

    clock.advance(days=100)  # 2026-06-10: the first lot expired, the nightly job has not run
    report = sync.push(actor=admin)
    assert report.counts["points_expired"] == 100 and report.counts["partners_written"] == 1
    found = member(wb, 1)
    with wb.sessions() as session:
        alive = wb.ledger.balance(session, found.id)
    assert alive == stored(wb, found.id) == 30
    assert odoo.record("res.partner", partner)["x_workbench_points"] == 30
    with wb.sessions() as session:  # the expiry is recorded once: the job finds nothing left
        assert wb.ledger.expire_due(session) == 0
