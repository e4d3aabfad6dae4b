"""Twilio's message status callbacks, through the real webhook server: never lost. They succeed
while a sender runs (SQLite too), a callback that comes before its SID is recorded is kept and
applied when it is, and one posted twice (the same I-Twilio-Idempotency-Token) counts once.
The one-click unsubscribe endpoint (RFC 8058) records the e-mail opt-out."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from sqlalchemy import delete, select

from tests.outbox_sender import dispatcher_settings
from tests.peers.smtp_peer import CountingSmtp
from workbench.bootstrap import build_dispatcher
from workbench.clock import SystemClock
from workbench.members.models import Member
from workbench.messaging.dispatcher import DispatchResult
from workbench.messaging.models import OutboxAttempt, OutboxMessage, StatusEvent


@pytest.fixture(autouse=True)
def _empty_outbox(wb, world):
    with wb.sessions() as session:
        session.execute(delete(OutboxAttempt))
        session.execute(delete(OutboxMessage))
        session.commit()


def _sender(wb, peer, clock=None):
    settings = dispatcher_settings(
        wb, peer=peer, twilio_status_callback_url="https://hotline.example.com/sms/status"
    )
    return build_dispatcher(settings, clock or wb.clock, wb.sessions, wb.outbox)


def _queue(wb, world, count, *, channel="sms", template="welcome", purpose="transactional"):
    with wb.sessions() as session:
        member = session.get(Member, world.member_id)
        ids = []
        for _ in range(count):
            queued = wb.outbox.enqueue(
                session, member=member, template=template, channel=channel, purpose=purpose
            )
            session.flush()
            ids.append(queued.message.id)
        session.commit()
        return ids


def _status(twilio, sid, status, *, token=None, row=None):
    path = "/sms/status" + (f"?row={row}" if row is not None else "")
    headers = {"I-Twilio-Idempotency-Token": token} if token else {}
    return twilio.post(path, {"MessageSid": sid, "MessageStatus": status}, headers=headers)


def _row(wb, message_id):
    with wb.sessions() as session:
        return session.get(OutboxMessage, message_id)


def test_duplicate_callback_counts_once(wb, world, twilio, twilio_peer):
    [row] = _queue(wb, world, 1)
    assert _sender(wb, twilio_peer).run_once().sent == 1
    sid = _row(wb, row).provider_id
    for _ in range(2):
        assert _status(twilio, sid, "delivered", token="tok-1", row=row).status_code == 204
    assert _row(wb, row).status == "delivered"
    with wb.sessions() as session:
        results = session.scalars(
            select(OutboxAttempt.result).where(OutboxAttempt.message_id == row)
        ).all()
    assert results.count("status:delivered") == 1


def test_early_callback_is_kept_until_the_sid_is_recorded(wb, world, twilio, twilio_peer):
    [row] = _queue(wb, world, 1)
    sender = _sender(wb, twilio_peer)
    [lease] = sender.claim("sms", 10)
    # Twilio answers the callback before our sender wrote down the SID it was given
    assert _status(twilio, "SM" + "e" * 32, "delivered", token="early", row=row).status_code == 204
    with wb.sessions() as session:
        [event] = session.scalars(select(StatusEvent)).all()
        assert not event.applied
    sender._sent(lease, "SM" + "e" * 32, "sent", DispatchResult())
    message = _row(wb, row)
    assert message.status == "delivered" and message.delivered_at is not None
    with wb.sessions() as session:
        assert session.scalars(select(StatusEvent.applied)).all() == [True]


def test_a_late_sent_callback_does_not_undo_delivered(wb, world, twilio, twilio_peer):
    [row] = _queue(wb, world, 1)
    _sender(wb, twilio_peer).run_once()
    sid = _row(wb, row).provider_id
    _status(twilio, sid, "delivered", token="a")
    _status(twilio, sid, "sent", token="b")
    assert _row(wb, row).status == "delivered"


def test_callbacks_succeed_while_a_sender_runs(wb, world, twilio, twilio_peer):
    """On SQLite above all: each callback is one immediate transaction that waits its turn
    (busy timeout) beside the sender's writes; every one answered 204 and applied."""
    ids = _queue(wb, world, 30)
    clock = SystemClock()
    sender = _sender(wb, twilio_peer, clock=clock)
    with wb.sessions() as session:
        for message in session.scalars(select(OutboxMessage)):
            message.next_attempt_at = clock.now()
        session.commit()
    done = threading.Event()

    def send() -> None:
        try:
            while sender.run_once(limit=5).sent:
                pass
        finally:
            done.set()

    thread = threading.Thread(target=send)
    thread.start()
    answered: list[int] = []
    posted: set[str] = set()
    while not done.is_set() or len(posted) < len(twilio_peer.messages):
        for message in list(twilio_peer.messages):
            if message["sid"] in posted:
                continue
            row = int(parse_qs(urlparse(message["callback"]).query)["row"][0])
            answered.append(_status(twilio, message["sid"], "delivered", row=row).status_code)
            posted.add(message["sid"])
    thread.join(timeout=60)
    assert answered == [204] * 30
    assert {_row(wb, i).status for i in ids} == {"delivered"}


def test_one_click_unsubscribe_records_the_email_opt_out(wb, world, twilio):
    from workbench.messaging.unsubscribe import UnsubscribeLinks

    [row] = _queue(wb, world, 1, channel="email", template="birthday", purpose="marketing")
    links = UnsubscribeLinks(blind_index=wb.blind_index, public_url="https://hotline.example.com")
    query = urlparse(links.url(row)).query
    base = twilio.server_url + "/email/unsubscribe"
    assert requests.get(f"{base}?{query}", timeout=10).status_code == 200  # a page, no change
    with wb.sessions() as session:
        assert not session.get(Member, world.member_id).email_opt_out
    forged = requests.post(
        f"{base}?m={row}&t=forged", data={"List-Unsubscribe": "One-Click"}, timeout=10
    )
    assert forged.status_code == 404
    answer = requests.post(f"{base}?{query}", data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert answer.status_code == 200
    with wb.sessions() as session:
        assert session.get(Member, world.member_id).email_opt_out
    # the marketing e-mail still queued is stopped at send time, with the reason
    with CountingSmtp() as smtp:
        settings = wb.settings.model_copy(
            update={
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp.port,
                "smtp_security": "none",
                "twilio_account_sid": "",
            }
        )
        result = build_dispatcher(settings, wb.clock, wb.sessions, wb.outbox).run_once()
        assert smtp.received == []
    assert result.stopped == 1
    message = _row(wb, row)
    assert message.status == "cancelled" and "opted out of email" in message.last_error


@pytest.mark.postgres
def test_recording_a_sid_takes_the_sids_lock(wb, world, twilio_peer):
    """On PostgreSQL the SID's lock (the one a callback takes) rides in the statement that records
    the SID: held from then until the transaction ends, so the two take turns."""
    from sqlalchemy import text

    from workbench.db.engine import immediate_session

    if wb.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite's write lock is the turn-taking there")
    _queue(wb, world, 1)
    sender = _sender(wb, twilio_peer)
    [lease] = sender.claim("sms", 10)
    sid = "SM" + "f" * 32
    with immediate_session(wb.sessions) as session:
        sender._write_sent(session, lease, DispatchResult(), sid, "sent", at=wb.clock.now())
        held = session.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND objid = (hashtext(:sid)::bigint & 4294967295)"
            ),
            {"sid": sid},
        )
        session.commit()
    assert held == 1
    assert _row(wb, lease.message_id).provider_id == sid
