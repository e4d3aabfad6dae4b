"""A membership from application to erasure through the use cases, on both backends, with the
fixed clock: applied at a store → returned by customer service → corrected and resubmitted →
approved → a purchase at the till → a partial return → a redemption → a request to leave →
notice → the notice period passes → the scheduled run terminates and erases. Every step by the
role that does it; every figure as the rules give it."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.factories import fake_id_number, fake_phone
from workbench.members.models import Member, MemberStatus, PointsKind
from workbench.messaging.models import OutboxMessage
from workbench.usecases.applications import ApplicationChanges, ApplicationInput


def _templates(wb, member_id: int) -> list[str]:
    with wb.sessions() as session:
        query = select(OutboxMessage.template).where(OutboxMessage.member_id == member_id)
        return list(session.scalars(query))


def test_application_to_erasure(wb, people, clock):
    given = ApplicationInput(
        name="林晓东",
        phone=fake_phone(),
        id_number=fake_id_number(birthday="19791103", male=True),
        address="上海市静安区南京西路1号",
    )
    applications = wb.usecases.applications
    submitted = applications.submit(people.sales, given)
    member_no = submitted.member_no

    applications.reject(people.agent, member_no, "缺少邮箱")
    assert [line.member_no for line in applications.returned(people.sales)] == [member_no]
    applications.resubmit(people.sales, member_no, ApplicationChanges(email="lin@example.com"))
    assert [line.member_no for line in applications.queue(people.agent).lines] == [member_no]
    approved = applications.approve(people.agent, member_no)
    assert approved.status == MemberStatus.ACTIVE

    till = wb.usecases.till
    bought = till.record_purchase(people.sales, member_no, "2000", "R-0001")
    assert (bought.points_earned, bought.balance) == (2000, 2000)  # regular: 1 point a yuan
    assert till.record_purchase(people.sales, member_no, "2000", "R-0001").repeated
    returned = till.record_return(people.sales, "R-0001", "500", "RT-0001")
    assert (returned.points_reversed, returned.points_shortfall, returned.balance) == (500, 0, 1500)

    redeemed = wb.usecases.points.redeem(people.sales, member_no, "gift-100")
    assert (redeemed.points, redeemed.balance) == (1000, 500)

    termination = wb.usecases.termination
    termination.request(people.sales, member_no, note="搬家")
    notice = termination.give_notice(people.supervisor, member_no, reason="voluntary")
    assert notice.messages == 2  # SMS and e-mail, with the reason and the date
    clock.advance(timedelta(days=wb.settings.members_termination_notice_days) - timedelta(hours=1))
    assert termination.run_due(None).terminated == ()
    clock.advance(hours=1)
    assert termination.run_due(None).terminated == (member_no,)

    with wb.sessions() as session:
        member = session.scalar(select(Member).where(Member.member_no == member_no))
        assert member.status == MemberStatus.TERMINATED and member.erased_at == clock.now()
        assert member.name_enc is None and member.phone_bidx is None and member.email_enc is None
        assert wb.ledger.stored_balance(session, member.id) == 0
        kinds = [entry.kind for entry in wb.ledger.history(session, member.id)]
        assert kinds[0] == PointsKind.SETTLEMENT  # the 500 left, settled at termination
        member_id = member.id
    sent = _templates(wb, member_id)
    for template in ("welcome", "rejection", "termination_notice"):
        assert template in sent
    [line] = till.purchases(people.supervisor, member_no).purchases  # kept, anonymised
    assert (line.amount, line.returned) == (Decimal("2000.00"), Decimal("500.00"))
