"""Erasing a member from the outbox: recipient and content become the erased marker (both are
required), subject and HTML go, and whatever had not gone yet is cancelled. Channel, template,
status and times stay for the communication figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col

from workbench.crypto import FieldCipher
from workbench.members.erasure import ERASED_TEXT
from workbench.members.models import Member
from workbench.messaging.models import EmailBounce, MessageStatus, OutboxMessage

NOT_GONE = (MessageStatus.QUEUED.value, MessageStatus.SENDING.value)


def erase_member_messages(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.member_id) == member.id, col(OutboxMessage.status).in_(NOT_GONE))
        .values(
            status=MessageStatus.CANCELLED.value,
            lease_until=None,
            last_error="member terminated: personal data erased",
        )
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.member_id) == member.id)
        .values(
            recipient_enc=cipher.encrypt("outbox.recipient", ERASED_TEXT),
            body_enc=cipher.encrypt("outbox.body", ERASED_TEXT),
            subject_enc=None,
            html_enc=None,
            dedupe_key=None,  # names the member and the occasion (a birthday's year)
        )
        .execution_options(synchronize_session="fetch")
    )
    session.execute(delete(EmailBounce).where(col(EmailBounce.member_id) == member.id))
