"""A real sender process killed mid-batch and started again: every SMS reaches the Twilio peer
exactly once and none is lost. The killed sender leaves rows `sending` (claimed, and perhaps
sent but not recorded); the new one looks those up at the peer before sending anything again."""

from sqlalchemy import delete, func, select

from tests.factories import application
from tests.outbox_sender import kill_then_rerun, start_sender, twilio_env
from workbench.messaging.models import OutboxMessage

MEMBERS = 20


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

    kill_then_rerun(
        lambda: start_sender(wb, keyring, **twilio_env(twilio_peer)),
        lambda: len(twilio_peer.messages),
        lambda: sms_sent() == MEMBERS,
        kill_after=5,
        total=MEMBERS,
    )
    sent = twilio_peer.messages
    assert len(sent) == MEMBERS
    assert len({(m["to"], m["body"]) for m in sent}) == MEMBERS  # each member's, once
    with wb.sessions() as session:
        sids = set(
            session.scalars(select(OutboxMessage.provider_id).where(OutboxMessage.channel == "sms"))
        )
    assert sids == {m["sid"] for m in sent}
