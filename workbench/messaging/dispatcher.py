"""Sending what the outbox holds, exactly once under the faults providers really give.

A sender claims due rows, each claim bumping the row's fencing token (`lease_token`); every
later write about that send (its start, its result) is conditional on the token, so a sender
whose lease ran out and whose rows another sender took writes nothing. Just before a message
goes, the row is marked `ambiguous` with the time the send started (and the lease of the rest of
the batch is renewed): a sender killed after that point, an answer that never came, a hang-up
after the request was written, a 5xx — each leaves a row that is looked up at the provider, by
this row's marker and a date window, before anything is sent again. A look-up never hands out a
SID another row holds. The contact policy is checked again at that moment: what it stops is held
(quiet hours) or cancelled with the reason. E-mails are recorded one by one as the server
accepts them and keep their row's Message-ID across attempts. A 429 pushes the whole sender's
next slot back (shared by every sender process), not just one message's."""

from __future__ import annotations

import logging
import random
import time as wall
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, and_, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberStatus, Store
from workbench.messaging.callbacks import (
    apply_status_callback,
    apply_waiting_callbacks,
    lock_sid,
)
from workbench.messaging.errors import SendError
from workbench.messaging.models import (
    EmailBounce,
    MessageStatus,
    OutboxAttempt,
    OutboxMessage,
    Purpose,
    SenderThrottle,
)
from workbench.messaging.outbox import BOUNCED, MessageContent, Outbox
from workbench.messaging.smtp import HARD_BOUNCE, OutgoingEmail, SmtpEmail, new_message_id

if TYPE_CHECKING:  # twilio is loaded only where an SMS sender is built
    from workbench.messaging.sms import TwilioSms

log = logging.getLogger(__name__)
OPTED_OUT = 21610  # Twilio: the recipient replied STOP
INVALID_NUMBER = 21211


THROTTLE_PAUSE = 2.0  # seconds every sender waits after a 429 that names no Retry-After


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    found: int = 0  # ambiguous sends found at the provider: not sent again
    held: int = 0  # quiet hours at send time: queued again for the morning
    stopped: int = 0  # the contact policy said no at send time: cancelled with the reason
    fenced: int = 0  # another sender took the row over: this one wrote nothing
    errors: list[str] = field(default_factory=list)


class Lease(NamedTuple):
    message_id: int
    token: int  # the fencing token this sender holds the row with
    unsure: bool  # it was left `sending` by a sender whose lease ran out


@dataclass
class _Batch:
    leases: list[Lease]
    renewed: datetime  # when the batch's leases were last renewed
    done: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class _Claimed:
    content: MessageContent
    since: datetime  # the last send's start (or the row's creation): the look-up's window
    ambiguous: bool
    message_ref: str | None


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
        unsubscribe: Callable[[int], str | None] = lambda message_id: None,
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
        self.unsubscribe = unsubscribe  # an e-mail row's one-click unsubscribe URL, if any
        self._zones: dict[int | None, ZoneInfo] = {}

    # Claiming ----------------------------------------------------------------------------------
    def claim(self, channel: str, limit: int) -> list[Lease]:
        """Leases on up to `limit` due rows of a channel, each with its new fencing token."""
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            query = (
                select(
                    col(OutboxMessage.id),
                    col(OutboxMessage.status),
                    col(OutboxMessage.lease_token),
                )
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
                    .values(
                        status=MessageStatus.SENDING.value,
                        lease_until=now + self.lease,
                        lease_token=col(OutboxMessage.lease_token) + 1,
                    )
                    .execution_options(synchronize_session=False)
                )
            session.commit()
        return [
            Lease(message_id, token + 1, status == MessageStatus.SENDING.value)
            for message_id, status, token in rows
        ]

    # Running -----------------------------------------------------------------------------------
    def run_once(self, limit: int = 100) -> DispatchResult:
        result = DispatchResult()
        if self.sms is not None:
            batch = _Batch(self.claim("sms", limit), self.clock.now())
            loaded = self._load([lease.message_id for lease in batch.leases])
            for lease in batch.leases:
                if lease.message_id in loaded:
                    self._send_sms(self.sms, batch, lease, loaded[lease.message_id], result)
                batch.done.add(lease.message_id)
        if self.email is not None:
            batch = _Batch(self.claim("email", limit), self.clock.now())
            if batch.leases:
                self._send_emails(self.email, batch, result)
        return result

    def _load(self, ids: list[int]) -> dict[int, _Claimed]:
        """The claimed messages' content, decrypted, read in one query."""
        if not ids:
            return {}
        with self.sessions() as session:
            rows = session.scalars(select(OutboxMessage).where(col(OutboxMessage.id).in_(ids)))
            return {
                saved_id(m): _Claimed(
                    self.outbox.decrypt_body(m),
                    m.send_started_at or m.created_at,
                    m.ambiguous,
                    m.message_ref,
                )
                for m in rows
            }

    def _send_sms(
        self,
        sms: TwilioSms,
        batch: _Batch,
        lease: Lease,
        claimed: _Claimed,
        result: DispatchResult,
    ) -> None:
        content = claimed.content
        if lease.unsure or claimed.ambiguous:  # it may have gone already: ask before sending
            try:
                found = sms.find_sent(
                    content["to"],
                    content["body"],
                    claimed.since,
                    row=lease.message_id,
                    taken=lambda sids: self._taken(sids, lease.message_id),
                )
            except SendError as error:
                self._failed_attempt(lease, error, result, keep_ambiguous=True)
                return
            if found:
                self._sent(lease, found, "found", result)
                return
        self._wait_for_slot(sms.sender_key)
        if not self._begin(batch, lease, result):
            return
        try:
            sent = sms.send(content["to"], content["body"], row=lease.message_id)
        except SendError as error:
            self._failed_attempt(lease, error, result)
            if error.throttled:
                self._slow_down(sms.sender_key, error.retry_after)
            return
        self._sent(lease, sent.provider_id, "sent", result)

    def _send_emails(self, email: SmtpEmail, batch: _Batch, result: DispatchResult) -> None:
        claimed = self._load([lease.message_id for lease in batch.leases])
        leases = {lease.message_id: lease for lease in batch.leases}
        mails = []
        for lease in batch.leases:
            c = claimed.get(lease.message_id)
            if c is None:
                continue
            mails.append(
                OutgoingEmail(
                    lease.message_id,
                    c.content["to"],
                    c.content["subject"] or "",
                    c.content["body"],
                    c.content["html"],
                    message_id=c.message_ref or new_message_id(lease.message_id, email.sender),
                    unsubscribe_url=self.unsubscribe(lease.message_id),
                )
            )

        def before(mail: OutgoingEmail) -> bool:
            return self._begin(batch, leases[mail.key], result, message_ref=mail.message_id)

        def after(key: int, error: SendError | None) -> None:
            batch.done.add(key)
            if error is None:
                self._sent(leases[key], None, "sent", result)
            else:
                self._failed_attempt(leases[key], error, result)

        email.send_batch(mails, before=before, after=after)

    # Recording ---------------------------------------------------------------------------------
    def _begin(
        self, batch: _Batch, lease: Lease, result: DispatchResult, *, message_ref: str | None = None
    ) -> bool:
        """Just before a message goes: still ours (the fencing token), still allowed (the contact
        policy, again), and marked as possibly sent from now on. Renews the batch's leases."""
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            if self._begin_plainly(session, batch, lease, now, message_ref):
                return True
            query = (
                select(OutboxMessage, Member)
                .outerjoin(Member, col(Member.id) == col(OutboxMessage.member_id))
                .where(col(OutboxMessage.id) == lease.message_id)
            )
            if _pg(session):
                query = query.with_for_update(of=OutboxMessage)
            found = session.execute(query).first()
            message = found[0] if found else None
            if (
                message is None
                or message.lease_token != lease.token
                or message.status != MessageStatus.SENDING.value
            ):
                result.fenced += 1
                log.warning("outbox %s: lease lost before sending", lease.message_id)
                return False
            stopped = self._policy_stops(session, message, found[1] if found else None, now)
            if stopped is not None:
                outcome, detail = stopped
                message.lease_until = None
                session.add(
                    OutboxAttempt(
                        message_id=lease.message_id, at=now, result=outcome, detail=detail[:300]
                    )
                )
                session.commit()
                result.held += outcome == "held"
                result.stopped += outcome == "cancelled"
                return False
            message.ambiguous = True
            message.send_started_at = now
            message.lease_until = now + self.lease
            if message_ref and not message.message_ref:
                message.message_ref = message_ref
            self._renew(session, batch, lease, now)
            session.commit()
        return True

    def _begin_plainly(
        self,
        session: Session,
        batch: _Batch,
        lease: Lease,
        now: datetime,
        message_ref: str | None,
    ) -> bool:
        """The common case in one statement: the row is still ours and no rule can stop it (a
        notice to staff, or a transactional one to a member who is neither terminated nor
        unreachable on the channel): marked. False: nothing written, take the careful path."""
        member = col(Member.id) == col(OutboxMessage.member_id)
        reachable = exists().where(
            member,
            col(Member.status) != MemberStatus.TERMINATED,
            col(Member.erased_at).is_(None),
            or_(col(OutboxMessage.channel) != "sms", col(Member.phone_invalid).is_(False)),
        )
        bounced = exists().where(col(EmailBounce.member_id) == col(OutboxMessage.member_id))
        unstoppable = or_(
            col(OutboxMessage.member_id).is_(None),
            and_(
                col(OutboxMessage.purpose) == Purpose.TRANSACTIONAL.value,
                reachable,
                or_(col(OutboxMessage.channel) != "email", ~bounced),
            ),
        )
        values: dict[str, object] = {
            "ambiguous": True,
            "send_started_at": now,
            "lease_until": now + self.lease,
        }
        if message_ref:
            values["message_ref"] = func.coalesce(col(OutboxMessage.message_ref), message_ref)
        written = _write_if_held(
            session,
            lease,
            values,
            col(OutboxMessage.status) == MessageStatus.SENDING.value,
            unstoppable,
        )
        if not written:
            return False
        self._renew(session, batch, lease, now)
        session.commit()
        return True

    def _renew(self, session: Session, batch: _Batch, lease: Lease, now: datetime) -> None:
        """Keeps the rest of the batch ours (every quarter lease) while this sender works."""
        if now - batch.renewed < self.lease / 4:
            return
        rest = [
            (x.message_id, x.token)
            for x in batch.leases
            if x.message_id not in batch.done and x.message_id != lease.message_id
        ]
        if rest:
            session.execute(
                update(OutboxMessage)
                .where(
                    tuple_(col(OutboxMessage.id), col(OutboxMessage.lease_token)).in_(rest),
                    col(OutboxMessage.status) == MessageStatus.SENDING.value,
                )
                .values(lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
        batch.renewed = now

    def _policy_stops(
        self, session: Session, message: OutboxMessage, member: Member | None, now: datetime
    ) -> tuple[str, str] | None:
        """("held", why) with the row queued for later, ("cancelled", why), or None: send."""
        if member is None:
            return None
        if message.channel == "email" and self.outbox.bounced(session, member):
            message.status = MessageStatus.CANCELLED.value
            message.last_error = f"stopped at send time: {BOUNCED}"
            return "cancelled", BOUNCED
        decision = self.outbox.policy.at_send(
            session, member=member, message=message, now=now, zone=self._zone(session, member)
        )
        if not decision.allowed:
            message.status = MessageStatus.CANCELLED.value
            message.last_error = f"stopped at send time: {decision.reason}"
            return "cancelled", decision.reason
        if decision.send_at is not None and decision.send_at > now:
            message.status = MessageStatus.QUEUED.value
            message.next_attempt_at = decision.send_at
            return "held", f"quiet hours: held until {decision.send_at.isoformat()}"
        return None

    def _zone(self, session: Session, member: Member) -> ZoneInfo:
        """The member's store's time zone (read once per store and sender)."""
        if member.store_id not in self._zones:
            store = session.get(Store, member.store_id)
            self._zones[member.store_id] = (
                ZoneInfo(store.timezone) if store and store.timezone else self.outbox.zone
            )
        return self._zones[member.store_id]

    def _taken(self, sids: list[str], message_id: int) -> set[str]:
        """Which of these SIDs another outbox row already holds."""
        with self.sessions() as session:
            return set(
                session.scalars(
                    select(col(OutboxMessage.provider_id)).where(
                        col(OutboxMessage.provider_id).in_(sids),
                        col(OutboxMessage.id) != message_id,
                    )
                )
            )

    def _sent(
        self, lease: Lease, provider_id: str | None, how: str, result: DispatchResult
    ) -> None:
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            if provider_id:
                lock_sid(session, provider_id)
            written = _write_if_held(
                session,
                lease,
                {
                    "status": MessageStatus.SENT.value,
                    "provider_id": provider_id,
                    "sent_at": now,
                    "lease_until": None,
                    "ambiguous": False,
                    "last_error": None,
                    "attempts": col(OutboxMessage.attempts) + int(how == "sent"),
                },
            )
            if not written:
                # Another sender holds the row now; it looks the message up before any resend.
                session.rollback()
                result.fenced += 1
                log.warning("outbox %s: %s, but the lease was lost", lease.message_id, how)
                return
            session.add(
                OutboxAttempt(
                    message_id=lease.message_id, at=now, result=how, detail=provider_id or ""
                )
            )
            if provider_id:
                apply_waiting_callbacks(session, provider_id)
            session.commit()
        result.sent += how == "sent"
        result.found += how == "found"

    def _failed_attempt(
        self,
        lease: Lease,
        error: SendError,
        result: DispatchResult,
        *,
        keep_ambiguous: bool = False,
    ) -> None:
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            message = session.get(OutboxMessage, lease.message_id, with_for_update=_pg(session))
            if message is None or message.lease_token != lease.token:
                result.fenced += 1
                log.warning("outbox %s: failed, but the lease was lost", lease.message_id)
                return
            message.attempts += 1
            message.last_error = str(error)[:300]
            message.lease_until = None
            ambiguous = error.ambiguous or (keep_ambiguous and message.ambiguous)
            if (error.permanent or message.attempts >= self.retry.max_attempts) and not ambiguous:
                message.status = MessageStatus.FAILED.value
                message.ambiguous = False
                outcome = "failed"
                result.failed += 1
                self._member_consequences(session, message, error)
            else:
                # An ambiguous send is never given up blind: it stays queued, to be looked up.
                message.status = MessageStatus.QUEUED.value
                message.ambiguous = ambiguous
                message.next_attempt_at = now + self.retry.delay(
                    min(message.attempts, self.retry.max_attempts), error.retry_after, self.rng
                )
                outcome = "ambiguous" if ambiguous else "retry"
                result.retried += 1
            session.add(
                OutboxAttempt(
                    message_id=lease.message_id, at=now, result=outcome, detail=str(error)[:300]
                )
            )
            session.commit()
        result.errors.append(str(error))
        log.info("outbox %s: %s (%s)", lease.message_id, outcome, error)

    def _member_consequences(
        self, session: Session, message: OutboxMessage, error: SendError
    ) -> None:
        if message.member_id is None:
            return
        if message.channel == "email":
            if error.code == HARD_BOUNCE:
                member = session.get_one(Member, message.member_id)
                self.outbox.mark_bounced(session, member, self.clock.now())
            return
        if error.code not in (INVALID_NUMBER, OPTED_OUT):
            return
        member = session.get_one(Member, message.member_id)
        if error.code == INVALID_NUMBER:
            member.phone_invalid = True
        elif error.code == OPTED_OUT:
            member.sms_opt_out = True

    # Rate limit ---------------------------------------------------------------------------------
    def _wait_for_slot(self, sender: str) -> None:
        """Reserve the sender's next slot in the database (shared by every sender process) and
        wait for it; with no rate limit, wait out a 429's back-off only."""
        now = self.clock.now()
        if self.sms_interval is None:  # no rate limit: only a 429's back-off to wait out
            with self.sessions() as session:
                until = session.scalar(
                    select(col(SenderThrottle.next_allowed_at)).where(
                        col(SenderThrottle.sender) == sender
                    )
                )
            if until is not None and until > now:
                self.sleep((until - now).total_seconds())
            return
        with immediate_session(self.sessions) as session:
            query = select(SenderThrottle).where(col(SenderThrottle.sender) == sender)
            if _pg(session):
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

    def _slow_down(self, sender: str, retry_after: float | None) -> None:
        """A 429: every sender of this number waits before its next request, not one message."""
        pause = timedelta(seconds=retry_after if retry_after is not None else THROTTLE_PAUSE)
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            query = select(SenderThrottle).where(col(SenderThrottle.sender) == sender)
            if _pg(session):
                query = query.with_for_update()
            row = session.scalar(query)
            if row is None:
                session.add(SenderThrottle(sender=sender, next_allowed_at=now + pause))
            else:
                row.next_allowed_at = max(row.next_allowed_at, now + pause)
            session.commit()


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _write_if_held(session: Session, lease: Lease, values: dict[str, object], *also: Any) -> int:
    """Writes `values` to the lease's message only while the lease is still this sender's (and
    every condition in `also` holds); the rows written: 0 when another sender holds the row."""
    return cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == lease.message_id,
                col(OutboxMessage.lease_token) == lease.token,
                *also,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount


__all__ = ["Dispatcher", "DispatchResult", "Lease", "RetryPolicy", "apply_status_callback"]
