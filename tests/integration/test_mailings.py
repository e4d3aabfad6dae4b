"""Timed mailings: points-expiry reminders a month ahead, birthday greetings on the day (29
February on the 28th in other years), the monthly care e-mail. Each is idempotent: a second
run queues nothing more."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from tests.factories import application, fake_id_number
from workbench.members.models import Member, PointsKind
from workbench.messaging.models import OutboxMessage


@pytest.fixture(autouse=True)
def _empty_outbox(wb, world):
    with wb.sessions() as session:  # the world's welcome messages are not what we count
        session.execute(delete(OutboxMessage))
        session.commit()


def _member(wb, world, birthday="19900615", **fields) -> int:
    with wb.sessions() as session:
        app = application(store_code="SH01", id_number=fake_id_number(birthday))
        member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
        wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        for name, value in fields.items():
            setattr(member, name, value)
        session.execute(delete(OutboxMessage).where(OutboxMessage.member_id == member.id))
        session.commit()
        return member.id


def _queued(wb, template):
    with wb.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.member_id, OutboxMessage.channel)
            .where(OutboxMessage.template == template)
            .order_by(OutboxMessage.member_id, OutboxMessage.channel)
        )
        return [tuple(row) for row in rows]


def test_birthday_greetings_on_the_day_once(wb, world):
    # START is Monday 2 March 2026, 09:00 in Shanghai.
    today = _member(wb, world, birthday="19850302")
    _member(wb, world, birthday="19850303")
    result = wb.mailings.birthday_greetings()
    assert (result.queued, result.already) == (2, 0)
    assert _queued(wb, "birthday") == [(today, "email"), (today, "sms")]
    again = wb.mailings.birthday_greetings()
    assert (again.queued, again.already) == (0, 2)


def test_a_29_february_birthday_is_greeted_on_the_28th_in_other_years(wb, world, clock):
    leapling = _member(wb, world, birthday="19920229")
    clock.set(datetime(2027, 2, 28, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai, 2027 not leap
    assert wb.mailings.birthday_greetings().queued == 2
    assert {member for member, _ in _queued(wb, "birthday")} == {leapling}


def test_birthday_greetings_respect_opt_outs_and_consent(wb, world):
    _member(wb, world, birthday="19850302", sms_opt_out=True)
    _member(wb, world, birthday="19850302", consent_marketing=False)
    result = wb.mailings.birthday_greetings()
    assert (result.queued, result.skipped) == (1, 3)  # only the e-mail of the first


def test_points_expiry_reminder_a_month_ahead_once(wb, world, clock):
    soon = _member(wb, world)
    later = _member(wb, world)
    with wb.sessions() as session:
        # Earned two years less 20 days ago: expires in 20 days.
        wb.ledger.credit(
            session,
            member_id=soon,
            kind=PointsKind.ACTIVITY,
            points=350,
            at=clock.now() - timedelta(days=2 * 365 - 20),
        )
        wb.ledger.credit(
            session,
            member_id=later,
            kind=PointsKind.ACTIVITY,
            points=90,
            at=clock.now() - timedelta(days=300),
        )
        session.commit()
    result = wb.mailings.points_expiry_reminders()
    assert result.queued == 2
    assert _queued(wb, "points_expiry") == [(soon, "email"), (soon, "sms")]
    with wb.sessions() as session:
        sms = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.template == "points_expiry", OutboxMessage.channel == "sms"
            )
        )
        body = wb.outbox.decrypt_body(sms)["body"]
    assert "350" in body and "2026-03-2" in body
    clock.advance(days=1)
    assert wb.mailings.points_expiry_reminders().already == 2


def test_monthly_care_email_once_a_month_to_consenting_members(wb, world, clock):
    with wb.sessions() as session:  # the world's member would be mailed too: not in this test
        session.get(Member, world.member_id).consent_marketing = False
        session.commit()
    yes = _member(wb, world)
    _member(wb, world, consent_marketing=False)
    with wb.sessions() as session:
        wb.ledger.credit(session, member_id=yes, kind=PointsKind.ACTIVITY, points=120)
        session.commit()
    assert wb.mailings.monthly_care().queued == 1
    assert _queued(wb, "monthly_care") == [(yes, "email")]
    with wb.sessions() as session:
        mail = session.scalar(select(OutboxMessage).where(OutboxMessage.template == "monthly_care"))
        assert "120" in wb.outbox.decrypt_body(mail)["body"]
    assert wb.mailings.monthly_care().queued == 0
    clock.advance(days=31)  # April
    assert wb.mailings.monthly_care().queued == 1


def test_the_weekly_cap_counts_each_channel_on_its_own(wb, world):
    member_id = _member(wb, world, birthday="19850302")
    with wb.sessions() as session:
        member = session.get(Member, member_id)
        for _ in range(wb.settings.messaging_marketing_per_week):
            assert wb.outbox.enqueue(
                session, member=member, template="birthday", channel="sms", purpose="marketing"
            ).message
        session.commit()
    result = wb.mailings.birthday_greetings()
    assert (result.queued, result.skipped) == (1, 1)  # the e-mail goes; the SMS is capped
