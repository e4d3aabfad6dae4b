"""The outbox under the faults providers really give, counted at the peers (the Twilio REST peer
and an aiosmtpd server): every queued message is accepted exactly once, or stopped with its
reason; nothing is marked sent that the peer did not accept. Both backends."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, event, select, update

from tests.outbox_sender import dispatcher_settings
from tests.peers.smtp_peer import CountingSmtp
from tests.peers.twilio_peer import TwilioPeer
from workbench.bootstrap import build_dispatcher
from workbench.clock import SystemClock
from workbench.members.models import Member
from workbench.messaging.models import MessageStatus, OutboxAttempt, OutboxMessage

CALLBACK = "https://hotline.example.com/sms/status"


@pytest.fixture(autouse=True)
def _empty_outbox(wb, world):
    with wb.sessions() as session:
        session.execute(delete(OutboxAttempt))
        session.execute(delete(OutboxMessage))
        session.commit()


def _dispatcher(wb, *, peer=None, smtp=None, clock=None, **updates):
    settings = dispatcher_settings(
        wb, peer=peer, smtp=smtp, twilio_status_callback_url=CALLBACK, **updates
    )
    dispatcher = build_dispatcher(settings, clock or wb.clock, wb.sessions, wb.outbox)
    if clock is None:
        dispatcher.sleep = lambda seconds: wb.clock.advance(seconds=seconds)
    return dispatcher


def _queue(wb, world, count, *, channel="sms", template="welcome", purpose="transactional"):
    """`count` messages to the world's member: identical words to one number (the hard case
    for a look-up)."""
    with wb.sessions() as session:
        member = session.get(Member, world.member_id)
        ids = []
        for _ in range(count):
            queued = wb.outbox.enqueue(
                session, member=member, template=template, channel=channel, purpose=purpose
            )
            assert queued.message is not None, queued.reason
            session.flush()
            ids.append(queued.message.id)
        session.commit()
        return ids


def _rows(wb, channel="sms"):
    with wb.sessions() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
        ).all()


def _assert_exactly_once_sms(wb, peer):
    """Each row sent holds one SID the peer accepted, no SID twice, no acceptance unrecorded."""
    rows = _rows(wb)
    sids = [r.provider_id for r in rows if r.status == "sent"]
    assert all(sids) and len(set(sids)) == len(sids)
    assert sorted(sids) == sorted(m["sid"] for m in peer.messages)
    assert all(r.status in ("sent", "cancelled", "failed") for r in rows)


def _run_until_quiet(wb, dispatcher, rounds=12):
    for _ in range(rounds):
        dispatcher.run_once()
        wb.clock.advance(hours=2)


# Ambiguous SMS ---------------------------------------------------------------------------------
def test_hang_up_after_accept_is_looked_up_not_resent(wb, world, twilio_peer):
    _queue(wb, world, 4)
    twilio_peer.faults.extend([("hangup",)] * 3)
    sender = _dispatcher(wb, peer=twilio_peer)
    first = sender.run_once()
    assert (first.sent, first.retried) == (1, 3) and len(twilio_peer.messages) == 4
    assert sum(r.ambiguous for r in _rows(wb)) == 3
    wb.clock.advance(hours=1)
    second = sender.run_once()
    assert (second.found, second.sent) == (3, 0)
    assert len(twilio_peer.messages) == 4
    _assert_exactly_once_sms(wb, twilio_peer)


@pytest.mark.parametrize("echo", [True, False], ids=["callback-echoed", "window-only"])
def test_timeout_with_the_message_still_queued_at_the_provider(wb, world, echo):
    """No date_sent at the provider yet: a DateSent filter would miss it; the look-up does not."""
    with TwilioPeer(now=wb.clock.now, echo_callback=echo) as peer:
        _queue(wb, world, 1)
        peer.faults.append(("slow", 1.5))
        sender = _dispatcher(wb, peer=peer)
        sender.sms.http.timeout = 0.4
        assert sender.run_once().retried == 1
        [message] = peer.messages
        assert message["date_sent"] is None and message["status"] == "queued"
        wb.clock.advance(minutes=3)
        assert sender.run_once().found == 1
        assert len(peer.messages) == 1
        _assert_exactly_once_sms(wb, peer)


@pytest.mark.parametrize("echo", [True, False], ids=["callback-echoed", "window-only"])
def test_look_up_never_takes_an_earlier_identical_messages_sid(wb, world, echo):
    """An identical message to the same number went earlier; a row left `sending` by a dead
    sender (never sent) must not take that SID: it is sent."""
    with TwilioPeer(now=wb.clock.now, echo_callback=echo) as peer:
        earlier, later = _queue(wb, world, 2)
        sender = _dispatcher(wb, peer=peer)
        assert sender.run_once(limit=1).sent == 1  # the earlier one, recorded
        wb.clock.advance(seconds=30)
        leases = sender.claim("sms", 10)  # a sender claims the later one and dies
        assert [lease.message_id for lease in leases] == [later]
        wb.clock.advance(minutes=5)
        result = _dispatcher(wb, peer=peer).run_once()
        assert (result.found, result.sent) == (0, 1)
        assert len(peer.messages) == 2
        _assert_exactly_once_sms(wb, peer)


def test_two_identical_ambiguous_rows_one_reached_the_provider(wb, world):
    """Both rows' answers were lost, only the first reached the provider (the second was
    refused at connect): the row marker in the status-callback URL says which one went."""
    with TwilioPeer(now=wb.clock.now) as peer:
        first, second = _queue(wb, world, 2)
        sender = _dispatcher(wb, peer=peer)
        peer.faults.extend([("hangup",), ("accepted_then", 503, 20503)])
        sender.run_once()
        assert len(peer.messages) == 2
        peer.messages.pop()  # pretend the second never reached it: only the first is there
        wb.clock.advance(hours=1)
        result = sender.run_once()
        assert (result.found, result.sent) == (1, 1)
        rows = {r.id: r for r in _rows(wb)}
        assert rows[first].provider_id == peer.messages[0]["sid"]
        assert rows[second].provider_id == peer.messages[1]["sid"]
        _assert_exactly_once_sms(wb, peer)


def test_dead_sender_after_marking_is_looked_up(wb, world, twilio_peer):
    """Killed right after the send went (marked ambiguous, result never written)."""
    _queue(wb, world, 3)
    sender = _dispatcher(wb, peer=twilio_peer)
    leases = sender.claim("sms", 10)
    from workbench.messaging.dispatcher import DispatchResult, _Batch

    batch = _Batch(leases, wb.clock.now())
    assert sender._begin(batch, leases[0], DispatchResult())
    with wb.sessions() as session:
        content = wb.outbox.decrypt_body(session.get(OutboxMessage, leases[0].message_id))
    sender.sms.send(content["to"], content["body"], row=leases[0].message_id)
    wb.clock.advance(minutes=10)
    result = _dispatcher(wb, peer=twilio_peer).run_once()
    assert (result.found, result.sent) == (1, 2)
    _assert_exactly_once_sms(wb, twilio_peer)


# Fencing ---------------------------------------------------------------------------------------
def test_a_sender_whose_lease_lapsed_is_fenced_off(wb, world, twilio_peer):
    """Sender A stalls mid-batch past its lease; B takes the rows over and sends them; A then
    writes nothing and sends nothing more."""
    _queue(wb, world, 5)
    a = _dispatcher(wb, peer=twilio_peer, messaging_sms_per_second=1.0, messaging_lease_seconds=2)
    b = _dispatcher(wb, peer=twilio_peer, messaging_lease_seconds=2)
    stalls = iter([True])

    def stalled(seconds: float) -> None:
        wb.clock.advance(seconds=seconds)
        if next(stalls, False):  # A's first wait: it stalls 10 s, and B runs meanwhile
            wb.clock.advance(seconds=10)
            b.run_once()

    a.sleep = stalled
    result = a.run_once()
    assert result.fenced == 4 and result.sent <= 1
    _assert_exactly_once_sms(wb, twilio_peer)
    assert len(twilio_peer.messages) == 5
    with wb.sessions() as session:
        tokens = session.scalars(select(OutboxMessage.lease_token)).all()
    assert all(token >= 1 for token in tokens)


def test_two_senders_with_a_lease_shorter_than_the_batch(wb, world, twilio_peer):
    """Real time, two threads, a 1 s lease and a 3 s batch: leases are renewed as the batch
    goes, so nothing is sent twice."""
    _queue(wb, world, 12)
    clock = SystemClock()
    senders = [
        _dispatcher(
            wb,
            peer=twilio_peer,
            clock=clock,
            messaging_sms_per_second=4.0,
            messaging_lease_seconds=1,
        )
        for _ in range(2)
    ]
    with wb.sessions() as session:  # due now by the real clock
        session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))
        session.commit()
    errors: list[BaseException] = []

    def all_sent() -> bool:
        return all(r.status == "sent" for r in _rows(wb))

    def run(sender) -> None:
        deadline = time.monotonic() + 30
        try:
            while not all_sent() and time.monotonic() < deadline:
                sender.run_once(limit=12)
                time.sleep(0.05)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(twilio_peer.messages) == 12
    _assert_exactly_once_sms(wb, twilio_peer)


# Policy at send time ---------------------------------------------------------------------------
def test_opt_out_between_queue_and_send_stops_the_message(wb, world, twilio_peer):
    from workbench.messaging.inbound import handle_inbound_sms

    [marketing] = _queue(wb, world, 1, template="birthday", purpose="marketing")
    [notice] = _queue(wb, world, 1)
    with wb.sessions() as session:
        handle_inbound_sms(wb, session, from_number=world.app.phone, body="退订")
        session.commit()
    result = _dispatcher(wb, peer=twilio_peer).run_once()
    assert (result.sent, result.stopped) == (1, 1)
    rows = {r.id: r for r in _rows(wb)}
    assert rows[marketing].status == "cancelled"
    assert "opted out of sms" in rows[marketing].last_error
    assert rows[notice].status == "sent"  # a transactional notice still goes
    assert len(twilio_peer.messages) == 1
    _assert_exactly_once_sms(wb, twilio_peer)


def test_quiet_hours_at_send_time_hold_until_the_morning(wb, world, twilio_peer, clock):
    clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # 19:00 in Shanghai: may be queued
    [marketing] = _queue(wb, world, 1, template="birthday", purpose="marketing")
    clock.set(datetime(2026, 3, 2, 20, 0, tzinfo=UTC))  # 04:00 in Shanghai, after retries
    sender = _dispatcher(wb, peer=twilio_peer)
    assert sender.run_once().held == 1
    [row] = _rows(wb)
    assert row.status == "queued"
    assert row.next_attempt_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 local
    assert twilio_peer.messages == []
    clock.set(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    assert sender.run_once().sent == 1
    _assert_exactly_once_sms(wb, twilio_peer)


# 429: the whole sender slows down --------------------------------------------------------------
def test_429_slows_every_later_request(wb, world, twilio_peer):
    _queue(wb, world, 3)
    twilio_peer.faults.append(("status", 429, 20429, {"Retry-After": "5"}))
    sender = _dispatcher(wb, peer=twilio_peer)
    start = wb.clock.now()
    result = sender.run_once()
    assert (result.retried, result.sent) == (1, 2)
    # the two after the 429 waited its Retry-After, not went at once
    assert wb.clock.now() - start >= timedelta(seconds=5)
    other = _dispatcher(wb, peer=twilio_peer)  # another process shares the back-off
    twilio_peer.faults.append(("status", 429, 20429, {"Retry-After": "7"}))
    _queue(wb, world, 1)
    sender.run_once()
    before = wb.clock.now()
    _queue(wb, world, 1)
    other.run_once()
    assert wb.clock.now() - before >= timedelta(seconds=6)


# E-mail ----------------------------------------------------------------------------------------
def test_each_email_is_recorded_after_its_250_and_keeps_its_message_id(wb, world):
    with CountingSmtp() as smtp:
        ids = _queue(wb, world, 4, channel="email")
        smtp.data_faults.extend([None, "hangup"])  # the 2nd is stored, its 250 never comes
        sender = _dispatcher(wb, smtp=smtp)
        result = sender.run_once()
        assert result.sent == 1 and result.retried == 3  # the rest: connection gone
        rows = {r.id: r for r in _rows(wb, "email")}
        assert rows[ids[0]].status == "sent"
        assert rows[ids[1]].ambiguous and rows[ids[1]].message_ref
        kept = rows[ids[1]].message_ref
        _run_until_quiet(wb, sender)
        rows = {r.id: r for r in _rows(wb, "email")}
        assert {r.status for r in rows.values()} == {"sent"}
        assert rows[ids[1]].message_ref == kept
        counts = smtp.message_ids()
        assert set(counts) == {r.message_ref for r in rows.values()}
        # the one whose answer was lost went again, with the same Message-ID: receivers
        # de-duplicate it; nothing else was sent twice
        assert counts[kept] == 2 and sum(counts.values()) == 5


def test_rcpt_faults_retry_and_a_hard_bounce_marks_the_address(wb, world):
    with wb.sessions() as session:
        member = session.get(Member, world.member_id)
        address = wb.cipher.decrypt("email", member.email_enc)
    with CountingSmtp() as smtp:
        smtp.refuse(address, "421 4.7.0 try later", "451 4.3.0 busy")
        [first] = _queue(wb, world, 1, channel="email")
        sender = _dispatcher(wb, smtp=smtp)
        _run_until_quiet(wb, sender, rounds=4)
        assert [r.status for r in _rows(wb, "email")] == ["sent"]
        assert len(smtp.received) == 1
        smtp.refuse(address, "550 5.1.1 no such user")
        [bounced] = _queue(wb, world, 1, channel="email")
        _run_until_quiet(wb, sender, rounds=2)
        rows = {r.id: r for r in _rows(wb, "email")}
        assert rows[bounced].status == "failed"
        assert len(smtp.received) == 1
    with wb.sessions() as session:  # the next mailing skips the address
        member = session.get(Member, world.member_id)
        queued = wb.outbox.enqueue(
            session, member=member, template="welcome", channel="email", purpose="transactional"
        )
        assert queued.message is None and "bounced" in queued.reason


def test_drop_after_data_is_retried_not_lost(wb, world):
    with CountingSmtp() as smtp:
        _queue(wb, world, 2, channel="email")
        smtp.data_faults.append("drop")
        sender = _dispatcher(wb, smtp=smtp)
        _run_until_quiet(wb, sender, rounds=4)
        rows = _rows(wb, "email")
        assert {r.status for r in rows} == {"sent"}
        assert smtp.message_ids() == Counter({r.message_ref: 1 for r in rows})


def test_marketing_email_carries_one_click_unsubscribe(wb, world):
    from workbench.messaging.unsubscribe import UnsubscribeLinks

    with CountingSmtp() as smtp:
        [row] = _queue(wb, world, 1, channel="email", template="birthday", purpose="marketing")
        settings = wb.settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "smtp_security": "none",
                "twilio_account_sid": "",
                "telephony_public_url": "https://hotline.example.com",
            }
        )
        sender = build_dispatcher(settings, wb.clock, wb.sessions, wb.outbox, wb.blind_index)
        assert sender.run_once().sent == 1
        [mail] = smtp.received
        links = UnsubscribeLinks(
            blind_index=wb.blind_index, public_url="https://hotline.example.com"
        )
        mailto = links.mailto(row, "example.com")
        assert "".join(mail["List-Unsubscribe"].split()) == f"<{links.url(row)}>,<{mailto}>"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["Message-ID"] == _rows(wb, "email")[0].message_ref


def test_status_rows_stay_consistent(wb, world, twilio_peer):
    """Nothing is marked sent that the peer did not accept, across every fault at once."""
    _queue(wb, world, 8)
    twilio_peer.faults.extend(
        [
            ("hangup",),
            ("status", 500, 20500, {}),
            ("accepted_then", 502, 20502),
            ("status", 429, 20429, {"Retry-After": "1"}),
            ("status", 400, 21604, {}),
        ]
    )
    sender = _dispatcher(wb, peer=twilio_peer)
    _run_until_quiet(wb, sender, rounds=6)
    rows = _rows(wb)
    failed = [r for r in rows if r.status == MessageStatus.FAILED.value]
    assert len(failed) == 1 and "21604" in failed[0].last_error
    sent = [r for r in rows if r.status == "sent"]
    assert len(sent) == 7
    assert sorted(r.provider_id for r in sent) == sorted(m["sid"] for m in twilio_peer.messages)


def test_the_weekly_cap_is_checked_again_at_send_time(wb, world, twilio_peer):
    """Queued while under the cap; by the time the third goes two others went this week."""
    import dataclasses

    ids = _queue(wb, world, 3, template="birthday", purpose="marketing")
    wb.outbox.policy = dataclasses.replace(wb.outbox.policy, marketing_per_week=2)
    result = _dispatcher(wb, peer=twilio_peer).run_once()
    assert (result.sent, result.stopped) == (2, 1)
    last = {r.id: r for r in _rows(wb)}[ids[2]]
    assert last.status == "cancelled" and "frequency cap" in last.last_error
    _assert_exactly_once_sms(wb, twilio_peer)


# One write transaction per message -------------------------------------------------------------
def _commits(wb, run):
    """How many transactions `run()` committed on the workbench's engine."""
    engine = wb.sessions.kw["bind"]
    commits = []

    def counted(connection) -> None:
        commits.append(connection)

    event.listen(engine, "commit", counted)
    try:
        run()
    finally:
        event.remove(engine, "commit", counted)
    return len(commits)


def test_each_result_rides_in_the_mark_of_the_next_message(wb, world, twilio_peer):
    """A batch of n SMS commits n + 2 transactions (the claim, one mark a message carrying the
    result before it, the last result), not 2n + 1; nothing is lost or sent twice by it."""
    _queue(wb, world, 5)
    sender = _dispatcher(wb, peer=twilio_peer)
    results = []
    assert _commits(wb, lambda: results.append(sender.run_once())) == 5 + 2
    assert results[0].sent == 5
    _assert_exactly_once_sms(wb, twilio_peer)
    with wb.sessions() as session:
        attempts = session.scalars(select(OutboxAttempt.result)).all()
    assert sorted(attempts) == ["sent"] * 5


def test_each_email_result_rides_in_the_mark_of_the_next(wb, world):
    with CountingSmtp() as smtp:
        _queue(wb, world, 4, channel="email")
        sender = _dispatcher(wb, smtp=smtp)
        results = []
        assert _commits(wb, lambda: results.append(sender.run_once())) == 4 + 2
        assert results[0].sent == 4
        assert sum(smtp.message_ids().values()) == 4
    assert {r.status for r in _rows(wb, "email")} == {"sent"}


def test_an_opt_out_answer_stops_the_next_message_of_the_batch(wb, world, twilio_peer):
    """Twilio answers 21610 (the member replied STOP): written with the next message's mark,
    whose policy check sees the opt-out at once: that one is stopped, not sent."""
    first, second = _queue(wb, world, 2, template="birthday", purpose="marketing")
    twilio_peer.faults.append(("status", 400, 21610, {}))
    result = _dispatcher(wb, peer=twilio_peer).run_once()
    assert (result.failed, result.stopped, result.sent) == (1, 1, 0)
    rows = {r.id: r for r in _rows(wb)}
    assert rows[first].status == "failed" and "21610" in rows[first].last_error
    assert rows[second].status == "cancelled" and "opted out of sms" in rows[second].last_error
    assert twilio_peer.messages == []
    with wb.sessions() as session:
        assert session.get(Member, world.member_id).sms_opt_out
