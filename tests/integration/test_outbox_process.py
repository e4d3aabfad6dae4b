"""A real sender process killed mid-batch and started again: every SMS reaches the Twilio peer
exactly once and none is lost. The killed sender leaves rows `sending` (claimed, and perhaps
sent but not recorded); the new one looks those up at the peer before sending anything again."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import delete, func, select

from tests.factories import application
from workbench.messaging.models import OutboxMessage

MEMBERS = 20


def _sender(wb, keyring, peer):
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": wb.settings.database_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        "WORKBENCH_TWILIO_ACCOUNT_SID": peer.account_sid,
        "WORKBENCH_TWILIO_AUTH_TOKEN": peer.auth_token,
        "WORKBENCH_TWILIO_FROM_NUMBER": "+15005550006",
        "WORKBENCH_TWILIO_API_BASE": peer.url,
        "WORKBENCH_SMTP_HOST": "",  # SMS only
        "WORKBENCH_MESSAGING_SMS_PER_SECOND": "8",  # slow enough to be killed mid-batch
        "WORKBENCH_MESSAGING_LEASE_SECONDS": "1",
        "WORKBENCH_MESSAGING_SEND_SECONDS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", "outbox", "run", "--loop"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_sender_killed_mid_batch_then_restarted_sends_each_once(wb, world, keyring, twilio_peer):
    with wb.sessions() as session:
        session.execute(delete(OutboxMessage))
        for _ in range(MEMBERS):  # each approval queues a welcome SMS (and an e-mail)
            member = wb.registry.apply(
                session, application=application(store_code="SH01"), actor=world.staff["sales_own"]
            )
            wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        session.commit()

    def sms_sent() -> int:
        with wb.sessions() as session:
            return session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.channel == "sms", OutboxMessage.status == "sent")
            )

    first = _sender(wb, keyring, twilio_peer)
    try:
        _wait(lambda: len(twilio_peer.messages) >= 5, 30, "the first sends")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = len(twilio_peer.messages)
    assert killed_at < MEMBERS, "the sender finished before it could be killed"

    second = _sender(wb, keyring, twilio_peer)
    try:
        _wait(lambda: sms_sent() == MEMBERS, 60, "every SMS recorded as sent")
    finally:
        second.terminate()
        second.wait(timeout=10)
    sent = twilio_peer.messages
    assert len(sent) == MEMBERS
    assert len({(m["to"], m["body"]) for m in sent}) == MEMBERS  # each member's, once
    with wb.sessions() as session:
        sids = set(
            session.scalars(select(OutboxMessage.provider_id).where(OutboxMessage.channel == "sms"))
        )
    assert sids == {m["sid"] for m in sent}
