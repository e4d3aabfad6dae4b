"""`kill -9` of a real `workbench outbox run` mid-batch, then a rerun: every queued message
accepted by its peer exactly once (e-mail: counted by Message-ID at an aiosmtpd server; the one
in flight at the kill may arrive twice, with the same Message-ID, for the receiver to fold),
and nothing recorded sent that the peer did not accept. SMS: identical words to one number,
the case a (To, Body) look-up gets wrong."""

from __future__ import annotations

from sqlalchemy import delete, select

from tests.outbox_sender import kill_then_rerun, start_sender, twilio_env
from tests.peers.smtp_peer import CountingSmtp
from workbench.members.models import Member
from workbench.messaging.models import OutboxAttempt, OutboxMessage

COUNT = 15


def _queue(wb, world, channel):
    with wb.sessions() as session:
        session.execute(delete(OutboxAttempt))
        session.execute(delete(OutboxMessage))
        member = session.get(Member, world.member_id)
        for _ in range(COUNT):
            wb.outbox.enqueue(
                session, member=member, template="welcome", channel=channel, purpose="transactional"
            )
        session.commit()


def _rows(wb, channel):
    with wb.sessions() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel)).all()


def test_kill_9_mid_email_batch(wb, world, keyring):
    _queue(wb, world, "email")
    with CountingSmtp(delay=0.15) as smtp:
        env = {
            "WORKBENCH_SMTP_HOST": "127.0.0.1",
            "WORKBENCH_SMTP_PORT": str(smtp.port),
            "WORKBENCH_SMTP_SECURITY": "none",
        }
        kill_then_rerun(
            lambda: start_sender(wb, keyring, **env),
            lambda: len(smtp.received),
            lambda: all(r.status == "sent" for r in _rows(wb, "email")),
            kill_after=4,
            total=COUNT,
        )
        counts = smtp.message_ids()
    rows = _rows(wb, "email")
    assert set(counts) == {r.message_ref for r in rows}  # each row's one Message-ID arrived
    assert sum(counts.values()) - COUNT <= 1  # at most the one in flight at the kill, again


def test_kill_9_mid_sms_batch_identical_messages(wb, world, keyring, twilio_peer):
    _queue(wb, world, "sms")
    env = {
        **twilio_env(twilio_peer),
        "WORKBENCH_TWILIO_STATUS_CALLBACK_URL": "https://hotline.example.com/sms/status",
    }
    kill_then_rerun(
        lambda: start_sender(wb, keyring, **env),
        lambda: len(twilio_peer.messages),
        lambda: all(r.status == "sent" for r in _rows(wb, "sms")),
        kill_after=4,
        total=COUNT,
    )
    rows = _rows(wb, "sms")
    assert len(twilio_peer.messages) == COUNT
    assert sorted(r.provider_id for r in rows) == sorted(m["sid"] for m in twilio_peer.messages)
