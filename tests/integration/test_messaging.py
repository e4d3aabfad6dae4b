"""The outbox with real parts: a real SMTP server (aiosmtpd) on loopback and a local peer that
answers Twilio's Messages API, driven through the twilio SDK. Faults are injected; every
message reaches its peer exactly once and none is lost."""

import email
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from workbench.bootstrap import build_dispatcher
from workbench.members.models import Member
from workbench.messaging.inbound import handle_inbound_sms
from workbench.messaging.models import OutboxAttempt, OutboxMessage


@pytest.fixture(autouse=True)
def _empty_outbox(wb, world):
    """The world's member was welcomed when the fixture approved it: start with an empty
    outbox so each test counts only its own messages."""
    from sqlalchemy import delete

    with wb.sessions() as session:
        session.execute(delete(OutboxMessage))
        session.commit()


def _dispatcher(wb, smtp=None, peer=None, **updates):
    values = {
        "smtp_host": "127.0.0.1" if smtp else "",
        "smtp_port": smtp.port if smtp else 25,
        "smtp_security": "none",
        "messaging_sms_per_second": 0,
    }
    if peer is not None:
        values.update(
            twilio_account_sid=peer.account_sid,
            twilio_from_number="+15005550006",
            twilio_api_base=peer.url,
        )
        from pydantic import SecretStr

        values["twilio_auth_token"] = SecretStr(peer.auth_token)
    values.update(updates)
    settings = wb.settings.model_copy(update=values)
    dispatcher = build_dispatcher(settings, wb.clock, wb.sessions, wb.outbox)
    dispatcher.sleep = lambda seconds: wb.clock.advance(seconds=seconds)
    return dispatcher


def _welcome(wb, world):
    """Approving a member queues the welcome SMS and e-mail in the same transaction."""
    from tests.factories import application

    with wb.sessions() as session:
        member = wb.registry.apply(
            session, application=application(store_code="SH01"), actor=world.staff["sales_own"]
        )
        wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        session.commit()
        return member.id


def _messages(wb, **filters):
    with wb.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in filters.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return session.scalars(query).all()


def test_approval_queues_in_its_transaction(wb, world):
    from tests.factories import application

    with wb.sessions() as session:
        member = wb.registry.apply(
            session, application=application(store_code="SH01"), actor=world.staff["sales_own"]
        )
        wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        session.rollback()  # the approval did not happen: neither did its messages
    assert _messages(wb) == []
    member_id = _welcome(wb, world)
    queued = _messages(wb, member_id=member_id)
    assert [(m.channel, m.template, m.status) for m in queued] == [
        ("sms", "welcome", "queued"),
        ("email", "welcome", "queued"),
    ]
    body = wb.outbox.decrypt_body(queued[0])["body"]
    assert "欢迎加入" in body and "M" in body and body not in queued[0].body_enc


def test_email_through_a_real_smtp_server(wb, world, smtp_server):
    member_id = _welcome(wb, world)
    result = _dispatcher(wb, smtp=smtp_server).run_once()
    assert result.sent == 1 and len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail["Message-ID"] and mail["Date"] and mail["List-Unsubscribe"].startswith("<mailto:")
    parsed = email.message_from_string(mail.as_string())
    kinds = [part.get_content_type() for part in parsed.walk()]
    assert "text/plain" in kinds and "text/html" in kinds
    [sent] = _messages(wb, member_id=member_id, channel="email")
    assert sent.status == "sent" and sent.sent_at == wb.clock.now()


def test_smtp_down_then_up_delivers_once(wb, world, smtp_server):
    _welcome(wb, world)
    dead = _dispatcher(wb, smtp=smtp_server, smtp_port=1)  # nothing listens there
    assert dead.run_once().retried == 1
    [message] = _messages(wb, channel="email")
    assert message.status == "queued" and message.attempts == 1
    live = _dispatcher(wb, smtp=smtp_server)
    assert live.run_once().sent == 0  # not due yet: it backs off
    wb.clock.advance(minutes=5)
    assert live.run_once().sent == 1
    assert live.run_once().sent == 0
    assert len(smtp_server.received) == 1


def test_sms_500_then_201(wb, world, twilio_peer):
    _welcome(wb, world)
    twilio_peer.faults.append(("status", 500, 20500, {}))
    sender = _dispatcher(wb, peer=twilio_peer)
    assert sender.run_once().retried == 1 and twilio_peer.messages == []
    wb.clock.advance(minutes=5)
    assert sender.run_once().sent == 1
    [message] = _messages(wb, channel="sms")
    assert message.status == "sent" and message.provider_id.startswith("SM")
    assert [m["sid"] for m in twilio_peer.messages] == [message.provider_id]


def test_sms_429_honours_retry_after(wb, world, twilio_peer):
    _welcome(wb, world)
    twilio_peer.faults.append(("status", 429, 20429, {"Retry-After": "600"}))
    sender = _dispatcher(wb, peer=twilio_peer)
    sender.run_once()
    [message] = _messages(wb, channel="sms")
    assert message.next_attempt_at >= wb.clock.now() + timedelta(seconds=600)
    wb.clock.advance(seconds=599)
    assert sender.run_once().sent == 0
    wb.clock.advance(seconds=61)
    assert sender.run_once().sent == 1 and len(twilio_peer.messages) == 1


def test_invalid_number_and_opt_out_are_permanent(wb, world, twilio_peer):
    member_id = _welcome(wb, world)
    twilio_peer.faults.append(("status", 400, 21211, {}))
    _dispatcher(wb, peer=twilio_peer).run_once()
    with wb.sessions() as session:
        assert session.get(Member, member_id).phone_invalid
    [message] = _messages(wb, channel="sms")
    assert message.status == "failed" and "21211" in message.last_error
    other = _welcome(wb, world)
    twilio_peer.faults.append(("status", 400, 21610, {}))
    _dispatcher(wb, peer=twilio_peer).run_once()
    with wb.sessions() as session:
        assert session.get(Member, other).sms_opt_out


def test_timeout_after_sending_is_resolved_not_resent(wb, world, twilio_peer):
    _welcome(wb, world)
    twilio_peer.faults.append(("slow", 2.0))
    sender = _dispatcher(wb, peer=twilio_peer)
    sender.sms.http.timeout = 0.5
    result = sender.run_once()
    assert result.retried == 1
    [message] = _messages(wb, channel="sms")
    assert message.ambiguous and message.status == "queued"
    wb.clock.advance(minutes=10)
    result = sender.run_once()
    assert result.found == 1 and result.sent == 0
    assert len(twilio_peer.messages) == 1
    [message] = _messages(wb, channel="sms")
    assert message.status == "sent" and message.provider_id == twilio_peer.messages[0]["sid"]


def test_sender_killed_mid_batch_resumes_without_duplicates(wb, world, twilio_peer):
    for _ in range(3):
        _welcome(wb, world)
    sender = _dispatcher(wb, peer=twilio_peer)
    # A sender claims all three and dies after sending the first, before recording it.
    claimed = sender.claim("sms", 10)
    with wb.sessions() as session:
        first = session.get(OutboxMessage, claimed[0][0])
        content = wb.outbox.decrypt_body(first)
    sender.sms.send(content["to"], content["body"])
    assert len(twilio_peer.messages) == 1
    wb.clock.advance(minutes=5)  # the lease lapses
    result = _dispatcher(wb, peer=twilio_peer).run_once()
    assert (result.found, result.sent) == (1, 2)
    assert len(twilio_peer.messages) == 3
    assert {m.status for m in _messages(wb, channel="sms")} == {"sent"}


def test_rate_limit_spaces_sends(wb, world, twilio_peer):
    for _ in range(3):
        _welcome(wb, world)
    sender = _dispatcher(wb, peer=twilio_peer, messaging_sms_per_second=1.0)
    start = wb.clock.now()
    assert sender.run_once().sent == 3
    assert wb.clock.now() - start == timedelta(seconds=2)  # slots at +0, +1, +2 s


def test_contact_policy(wb, world, clock):
    with wb.sessions() as session:
        member = session.get(Member, world.member_id)
        # Marketing at 22:30 in Shanghai waits for 09:00.
        clock.set(datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
        queued = wb.outbox.enqueue(
            session, member=member, template="birthday", channel="sms", purpose="marketing"
        )
        assert queued.message.next_attempt_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
        for _ in range(2):
            wb.outbox.enqueue(
                session, member=member, template="birthday", channel="sms", purpose="marketing"
            )
        capped = wb.outbox.enqueue(
            session, member=member, template="birthday", channel="sms", purpose="marketing"
        )
        assert capped.message is None and "frequency" in capped.reason
        member.sms_opt_out = True
        session.flush()
        opted = wb.outbox.enqueue(
            session,
            member=member,
            template="points_expiry",
            channel="sms",
            purpose="marketing",
            extra={"points": 100, "expiry_date": "2026-04-01"},
        )
        assert opted.message is None and "opted out" in opted.reason
        # A frozen-card notice always goes, at once.
        notice = wb.outbox.enqueue(
            session,
            member=member,
            template="card_lost",
            channel="sms",
            purpose="transactional",
            extra={"when": "now"},
        )
        assert notice.message is not None and notice.message.next_attempt_at == clock.now()
        again = wb.outbox.enqueue(
            session,
            member=member,
            template="card_lost",
            channel="sms",
            purpose="transactional",
            extra={"when": "now"},
            dedupe_key="card_lost:1",
        )
        twice = wb.outbox.enqueue(
            session,
            member=member,
            template="card_lost",
            channel="sms",
            purpose="transactional",
            extra={"when": "now"},
            dedupe_key="card_lost:1",
        )
        assert again.message is not None and twice.message is None


def test_inbound_sms_opt_out_and_satisfaction(wb, world):
    from workbench.complaints.service import ComplaintIntake

    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        assert (
            handle_inbound_sms(wb, session, from_number="13900001111", body="STOP").action
            == "unknown_sender"
        )
        assert (
            handle_inbound_sms(wb, session, from_number=world.app.phone, body="退订").action
            == "opted_out"
        )
        assert session.get(Member, world.member_id).sms_opt_out
        assert (
            handle_inbound_sms(wb, session, from_number=world.app.phone, body="START").action
            == "opted_in"
        )
        c = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline", category="billing", description="扣费", member_no=world.member_no
            ),
            actor=agent,
        )
        number = c.complaint_no
        wb.complaints.assign(session, complaint_no=number, department="finance", actor=supervisor)
        wb.complaints.investigate(session, complaint_no=number, actor=agent)
        wb.complaints.propose(
            session,
            complaint_no=number,
            root_cause="system_error",
            responsible_party="IT",
            plan="退款",
            actor=agent,
        )
        wb.complaints.approve(session, complaint_no=number, actor=supervisor)
        wb.complaints.inform(session, complaint_no=number, actor=agent, note="已退款")
        session.commit()
        templates = [m.template for m in _messages(wb, member_id=world.member_id)]
        assert templates[-2:] == ["complaint_update", "satisfaction_survey"]
        result = handle_inbound_sms(wb, session, from_number=world.app.phone, body=" 5 ")
        session.commit()
        assert (result.action, result.complaint_no) == ("satisfaction", number)
        assert wb.complaints.get(session, number).state == "closed"


def test_every_attempt_is_recorded(wb, world, twilio_peer):
    _welcome(wb, world)
    twilio_peer.faults.extend([("status", 503, 20503, {}), ("status", 500, 20500, {})])
    sender = _dispatcher(wb, peer=twilio_peer)
    for _ in range(3):
        sender.run_once()
        wb.clock.advance(minutes=10)
    with wb.sessions() as session:
        results = session.scalars(select(OutboxAttempt.result).order_by(OutboxAttempt.id)).all()
    # A 5xx may come after Twilio stored the message: ambiguous, looked up (not found) first.
    assert results == ["ambiguous", "ambiguous", "sent"]
