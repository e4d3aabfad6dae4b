"""Sending what the outbox holds. A sender claims due rows (no two senders take the same row),
marks them `sending`, sends, and records the provider's id or the error, with every attempt
kept. A row found still `sending` after its lease (the sender died, or the answer timed out)
is looked up at the provider before it is sent again, so the member does not get it twice."""

from __future__ import annotations

import logging
import random
import time as wall
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.members.models import Member
from workbench.messaging.errors import SendError
from workbench.messaging.models import MessageStatus, OutboxAttempt, OutboxMessage, SenderThrottle
from workbench.messaging.outbox import MessageContent, Outbox
from workbench.messaging.smtp import OutgoingEmail, SmtpEmail

if TYPE_CHECKING:  # twilio is loaded only where an SMS sender is built
    from workbench.messaging.sms import TwilioSms

log = logging.getLogger(__name__)
OPTED_OUT = 21610  # Twilio: the recipient replied STOP
INVALID_NUMBER = 21211


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    found: int = 0  # ambiguous sends found at the provider: not sent again
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    content: MessageContent
    created_at: datetime
    ambiguous: bool


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base: timedelta = timedelta(seconds=30)
    ceiling: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
        """Exponential backoff with full jitter, but never sooner than Retry-After."""
        backoff = min(self.base * (2 ** max(attempts - 1, 0)), self.ceiling)
        wait = timedelta(seconds=rng.uniform(0.5, 1.0) * backoff.total_seconds())
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        return wait


class Dispatcher:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        outbox: Outbox,
        sms: TwilioSms | None,
        email: SmtpEmail | None,
        retry: RetryPolicy = RetryPolicy(),
        lease: timedelta = timedelta(minutes=2),
        sms_per_second: float = 1.0,
        sleep: Callable[[float], None] = wall.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.outbox = outbox
        self.sms = sms
        self.email = email
        self.retry = retry
        self.lease = lease
        self.sms_interval = timedelta(seconds=1 / sms_per_second) if sms_per_second > 0 else None
        self.sleep = sleep
        self.rng = rng or random.Random()

    # Claiming ----------------------------------------------------------------------------------
    def claim(self, channel: str, limit: int) -> list[tuple[int, bool]]:
        """(message id, was it left `sending`) for up to `limit` due rows of a channel."""
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            query = (
                select(col(OutboxMessage.id), col(OutboxMessage.status))
                .where(
                    col(OutboxMessage.channel) == channel,
                    or_(
                        (col(OutboxMessage.status) == MessageStatus.QUEUED.value)
                        & (col(OutboxMessage.next_attempt_at) <= now),
                        (col(OutboxMessage.status) == MessageStatus.SENDING.value)
                        & (col(OutboxMessage.lease_until) <= now),
                    ),
                )
                .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if rows:
                session.execute(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.id).in_([r[0] for r in rows]))
                    .values(status=MessageStatus.SENDING.value, lease_until=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
            session.commit()
        return [(message_id, status == MessageStatus.SENDING.value) for message_id, status in rows]

    # Running -----------------------------------------------------------------------------------
    def run_once(self, limit: int = 100) -> DispatchResult:
        result = DispatchResult()
        if self.sms is not None:
            claimed = self.claim("sms", limit)
            loaded = self._load([message_id for message_id, _ in claimed])
            for message_id, unsure in claimed:
                self._send_sms(self.sms, message_id, loaded[message_id], unsure, result)
        if self.email is not None:
            claimed = self.claim("email", limit)
            if claimed:
                self._send_emails(self.email, self._load([m for m, _ in claimed]), result)
        return result

    def _load(self, ids: list[int]) -> dict[int, _Claimed]:
        """The claimed messages' content, decrypted, read in one query."""
        if not ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
            return {
                saved_id(m): _Claimed(self.outbox.decrypt_body(m), m.created_at, m.ambiguous)
                for m in rows
            }

    def _send_sms(
        self,
        sms: TwilioSms,
        message_id: int,
        claimed: _Claimed,
        unsure: bool,
        result: DispatchResult,
    ) -> None:
        content = claimed.content
        if unsure or claimed.ambiguous:  # it may have gone already: ask before sending again
            try:
                found = sms.find_sent(content["to"], content["body"], claimed.created_at)
            except SendError as error:
                self._failed_attempt(message_id, error, result)
                return
            if found:
                self._sent(message_id, found, "found", result)
                result.found += 1
                return
        self._wait_for_slot(sms.sender_key)
        try:
            sent = sms.send(content["to"], content["body"])
        except SendError as error:
            self._failed_attempt(message_id, error, result)
            return
        self._sent(message_id, sent.provider_id, "sent", result)

    def _send_emails(
        self, email: SmtpEmail, claimed: dict[int, _Claimed], result: DispatchResult
    ) -> None:
        mails = [
            OutgoingEmail(
                message_id,
                c.content["to"],
                c.content["subject"] or "",
                c.content["body"],
                c.content["html"],
            )
            for message_id, c in claimed.items()
        ]
        for message_id, error in email.send_batch(mails).items():
            if error is None:
                self._sent(message_id, None, "sent", result)
            else:
                self._failed_attempt(message_id, error, result)

    # Recording ---------------------------------------------------------------------------------
    def _sent(
        self, message_id: int, provider_id: str | None, how: str, result: DispatchResult
    ) -> None:
        now = self.clock.now()
        with self.sessions() as session:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message_id)
                .values(
                    status=MessageStatus.SENT.value,
                    provider_id=provider_id,
                    sent_at=now,
                    lease_until=None,
                    ambiguous=False,
                    attempts=col(OutboxMessage.attempts) + int(how == "sent"),
                )
                .execution_options(synchronize_session=False)
            )
            session.add(
                OutboxAttempt(message_id=message_id, at=now, result=how, detail=provider_id or "")
            )
            session.commit()
        result.sent += how == "sent"

    def _failed_attempt(self, message_id: int, error: SendError, result: DispatchResult) -> None:
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            message = session.get_one(OutboxMessage, message_id)
            message.attempts += 1
            message.last_error = str(error)[:300]
            message.lease_until = None
            if error.permanent or message.attempts >= self.retry.max_attempts:
                message.status = MessageStatus.FAILED.value
                outcome = "failed"
                result.failed += 1
                self._member_consequences(session, message, error)
            else:
                message.status = MessageStatus.QUEUED.value
                message.ambiguous = error.ambiguous
                message.next_attempt_at = now + self.retry.delay(
                    message.attempts, error.retry_after, self.rng
                )
                outcome = "ambiguous" if error.ambiguous else "retry"
                result.retried += 1
            session.add(
                OutboxAttempt(
                    message_id=message_id, at=now, result=outcome, detail=str(error)[:300]
                )
            )
            session.commit()
        result.errors.append(str(error))
        log.info("outbox %s: %s (%s)", message_id, outcome, error)

    def _member_consequences(
        self, session: Session, message: OutboxMessage, error: SendError
    ) -> None:
        if message.member_id is None or error.code not in (INVALID_NUMBER, OPTED_OUT):
            return
        member = session.get_one(Member, message.member_id)
        if error.code == INVALID_NUMBER:
            member.phone_invalid = True
        elif error.code == OPTED_OUT:
            member.sms_opt_out = True

    # Rate limit ---------------------------------------------------------------------------------
    def _wait_for_slot(self, sender: str) -> None:
        """Reserve the sender's next slot in the database (shared by every sender process) and
        wait for it."""
        if self.sms_interval is None:
            return
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            query = select(SenderThrottle).where(col(SenderThrottle.sender) == sender)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update()
            row = session.scalar(query)
            if row is None:
                row = SenderThrottle(sender=sender, next_allowed_at=now)
                session.add(row)
            slot = max(now, row.next_allowed_at)
            row.next_allowed_at = slot + self.sms_interval
            session.commit()
        wait = (slot - now).total_seconds()
        if wait > 0:
            self.sleep(wait)


def apply_status_callback(session: Session, *, provider_id: str, status: str, at: datetime) -> bool:
    """Twilio's status callback: sent → delivered / undelivered / failed."""
    message = session.scalar(
        select(OutboxMessage).where(col(OutboxMessage.provider_id) == provider_id)
    )
    if message is None:
        return False
    if status == "delivered":
        message.status, message.delivered_at = MessageStatus.DELIVERED.value, at
    elif status in ("undelivered", "failed"):
        message.status = MessageStatus.FAILED.value
        message.last_error = f"provider reported {status}"
    session.add(OutboxAttempt(message_id=saved_id(message), at=at, result=f"status:{status}"[:16]))
    return True
