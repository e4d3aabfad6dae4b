"""Sending what the outbox holds, exactly once under the faults providers really give.

A sender claims due rows, each claim bumping the row's fencing token (`lease_token`); every
later write about that send (its start, its result) is conditional on the token, so a sender
whose lease ran out and whose rows another sender took writes nothing. Just before a message
goes, the row is marked `ambiguous` with the time the send started (and the lease of the rest of
the batch is renewed): a sender killed after that point, an answer that never came, a hang-up
after the request was written, a 5xx — each leaves a row that is looked up at the provider, by
this row's marker and a date window, before anything is sent again. A look-up never hands out a
SID another row holds. The contact policy is checked again at that moment, for that message
alone: what it stops is held (quiet hours) or cancelled with the reason.

One write transaction per message: a send's result (its SID, or its error) is written, under its
fencing token, in the transaction that marks the batch's next message just before that one goes
(and the batch's last results when it ends; before a look-up, so no SID is missed). A sender
killed between a send and that transaction leaves the row marked ambiguous, as it did when the
result had a transaction of its own: looked up before any resend, never lost. E-mails are
recorded one by one as the server accepts them (each in the mark of the next) and keep their
row's Message-ID across attempts. A 429 pushes the whole sender's next slot back (shared by
every sender process), not just one message's; a sender never waits inside a transaction."""

from __future__ import annotations

import contextlib
import logging
import random
import time as wall
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CursorResult,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberStatus, Store
from workbench.messaging.callbacks import (
    apply_status_callback,
    apply_waiting_callbacks,
)
from workbench.messaging.errors import SendError
from workbench.messaging.models import (
    EmailBounce,
    MessageStatus,
    OutboxAttempt,
    OutboxMessage,
    Purpose,
    SenderThrottle,
    StatusEvent,
)
from workbench.messaging.outbox import BOUNCED, MessageContent, Outbox
from workbench.messaging.smtp import HARD_BOUNCE, OutgoingEmail, SmtpEmail, new_message_id

if TYPE_CHECKING:  # twilio is loaded only where an SMS sender is built
    from workbench.messaging.sms import TwilioSms

log = logging.getLogger(__name__)
OPTED_OUT = 21610  # Twilio: the recipient replied STOP
INVALID_NUMBER = 21211


THROTTLE_PAUSE = 2.0  # seconds every sender waits after a 429 that names no Retry-After


def _table(model: type) -> Table:
    """A table model's Core table (SQLModel sets `__table__`; its stubs do not say so)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


# The statements every message runs, built once (building one costs more than running it):
# each runs on the session's connection with its parameters.
_MESSAGE = _table(OutboxMessage)
_HELD = and_(  # the row is still this sender's: its fencing token
    _MESSAGE.c.id == bindparam("row", type_=Integer),
    _MESSAGE.c.lease_token == bindparam("token", type_=Integer),
)
_RECORD_SENT = (
    update(_MESSAGE)
    .where(_HELD)
    .values(
        status=MessageStatus.SENT.value,
        provider_id=bindparam("sid", type_=_MESSAGE.c.provider_id.type),
        sent_at=bindparam("at", type_=_MESSAGE.c.sent_at.type),
        lease_until=None,
        ambiguous=False,
        last_error=None,
        attempts=_MESSAGE.c.attempts + bindparam("tries", type_=Integer),
    )
)
# The common case of the mark before a send, in one statement: the row is still ours and no
# rule can stop it (a notice to staff, or a transactional one to a member who is neither
# terminated nor unreachable on the channel, nor at an address that bounced).
_MEMBER = _table(Member)
_BOUNCE = _table(EmailBounce)
_UNSTOPPABLE = or_(
    _MESSAGE.c.member_id.is_(None),
    and_(
        _MESSAGE.c.purpose == Purpose.TRANSACTIONAL.value,
        exists().where(
            _MEMBER.c.id == _MESSAGE.c.member_id,
            _MEMBER.c.status != MemberStatus.TERMINATED.value,
            _MEMBER.c.erased_at.is_(None),
            or_(_MESSAGE.c.channel != "sms", _MEMBER.c.phone_invalid.is_(False)),
        ),
        or_(
            _MESSAGE.c.channel != "email",
            ~exists().where(_BOUNCE.c.member_id == _MESSAGE.c.member_id),
        ),
    ),
)
_THROTTLE = _table(SenderThrottle)
# ... and no 429's back-off holds the sender (`sender`: None for a sender without one).
_FREE_TO_SEND = ~exists().where(
    _THROTTLE.c.sender == bindparam("sender", type_=_THROTTLE.c.sender.type),
    _THROTTLE.c.next_allowed_at > bindparam("at", type_=_THROTTLE.c.next_allowed_at.type),
)
_MARK_PLAINLY = (
    update(_MESSAGE)
    .where(_HELD, _MESSAGE.c.status == MessageStatus.SENDING.value, _UNSTOPPABLE, _FREE_TO_SEND)
    .values(
        ambiguous=True,
        send_started_at=bindparam("at", type_=_MESSAGE.c.send_started_at.type),
        lease_until=bindparam("until", type_=_MESSAGE.c.lease_until.type),
        message_ref=func.coalesce(
            _MESSAGE.c.message_ref, bindparam("ref", type_=_MESSAGE.c.message_ref.type)
        ),
    )
)
_ATTEMPT = _table(OutboxAttempt)
_RECORD_ATTEMPT = insert(_ATTEMPT)
# PostgreSQL: the record and its attempt in one statement (one round trip); the attempt is
# written only when the record was (its rows: 0 when the row is another sender's).
_RECORDED = _RECORD_SENT.returning(_MESSAGE.c.id).cte("recorded")
_ATTEMPT_VALUES = (
    bindparam("when", type_=_ATTEMPT.c.at.type),
    bindparam("how", type_=_ATTEMPT.c.result.type),
    bindparam("detail", type_=_ATTEMPT.c.detail.type),
)
_ATTEMPT_COLUMNS = ["message_id", "at", "result", "detail"]
_RECORD_SENT_WITH_ATTEMPT = insert(_ATTEMPT).from_select(
    _ATTEMPT_COLUMNS, select(_RECORDED.c.id, *_ATTEMPT_VALUES)
)
# ... and, for a SID, with the SID's lock (`callbacks.lock_sid`, the same key) taken in the same
# statement: a row is written only after its condition, the lock among it, was evaluated, so
# written means locked, and the look-up of waiting callbacks that follows (a later statement,
# a later snapshot) sees every callback committed before the lock was granted.
_SID_LOCK = select(
    func.pg_advisory_xact_lock(func.hashtext(bindparam("sid", type_=String))).label("locked")
).cte("sid_lock")
_RECORDED_LOCKED = (
    _RECORD_SENT.where(exists(select(_SID_LOCK.c.locked))).returning(_MESSAGE.c.id).cte("recorded")
)
_RECORD_SID_WITH_ATTEMPT = insert(_ATTEMPT).from_select(
    _ATTEMPT_COLUMNS, select(_RECORDED_LOCKED.c.id, *_ATTEMPT_VALUES)
)
_EVENT = _table(StatusEvent)
_ANY_WAITING = (
    select(_EVENT.c.id)
    .where(
        _EVENT.c.provider_id == bindparam("sid", type_=_EVENT.c.provider_id.type),
        _EVENT.c.applied.is_(False),
    )
    .limit(1)
)
_BACK_OFF_UNTIL = select(_THROTTLE.c.next_allowed_at).where(
    _THROTTLE.c.sender == bindparam("sender", type_=_THROTTLE.c.sender.type)
)


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


# A write about a send that already happened (its result), made in a transaction of its own or
# in the one that marks the next message of the batch.
_Write = Callable[[Session], None]


@dataclass
class _Batch:
    leases: list[Lease]
    renewed: datetime  # when the batch's leases were last renewed
    done: set[int] = field(default_factory=set)
    # Results not written yet: written, each under its fencing token, in the transaction that
    # marks the batch's next message (just before it goes) or when the batch ends.
    pending: list[_Write] = field(default_factory=list)


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
            with self._finishing(batch):
                loaded = self._load([lease.message_id for lease in batch.leases])
                for lease in batch.leases:
                    if lease.message_id in loaded:
                        self._send_sms(self.sms, batch, lease, loaded[lease.message_id], result)
                    batch.done.add(lease.message_id)
        if self.email is not None:
            batch = _Batch(self.claim("email", limit), self.clock.now())
            if batch.leases:
                with self._finishing(batch):
                    self._send_emails(self.email, batch, result)
        return result

    @contextmanager
    def _finishing(self, batch: _Batch) -> Iterator[None]:
        """Writes the batch's last results when it ends, also when it ends by an error (then a
        failure to write them does not hide that error: their rows stay marked ambiguous and are
        looked up before any resend)."""
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self._flush(batch)
            raise
        self._flush(batch)

    def _flush(self, batch: _Batch) -> None:
        """The batch's results so far, written in a transaction of their own."""
        if not batch.pending:
            return
        with immediate_session(self.sessions) as session:
            self._write_pending(session, batch)
            session.commit()

    @staticmethod
    def _write_pending(session: Session, batch: _Batch) -> None:
        writes, batch.pending = batch.pending, []
        for write in writes:
            write(session)
        if writes:
            session.flush()  # what they changed (an opt-out from a 21610) is seen by what follows

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
            # Every SID this batch got is recorded first, so `taken` sees them all.
            self._flush(batch)
            try:
                found = sms.find_sent(
                    content["to"],
                    content["body"],
                    claimed.since,
                    row=lease.message_id,
                    taken=lambda sids: self._taken(sids, lease.message_id),
                )
            except SendError as error:
                self._later(batch, self._write_failed, lease, result, error, keep_ambiguous=True)
                return
            if found:
                self._later(batch, self._write_sent, lease, result, found, "found")
                return
        if not self._begin(batch, lease, result, throttle=sms.sender_key):
            return
        try:
            sent = sms.send(content["to"], content["body"], row=lease.message_id)
        except SendError as error:
            self._later(batch, self._write_failed, lease, result, error)
            if error.throttled:  # written before the next request is even considered
                at, retry_after = self.clock.now(), error.retry_after
                batch.pending.append(
                    lambda session: self._write_slow_down(session, sms.sender_key, retry_after, at)
                )
            return
        self._later(batch, self._write_sent, lease, result, sent.provider_id, "sent")

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
                self._later(batch, self._write_sent, leases[key], result, None, "sent")
            else:
                self._later(batch, self._write_failed, leases[key], result, error)

        email.send_batch(mails, before=before, after=after)

    # Recording ---------------------------------------------------------------------------------
    def _later(
        self,
        batch: _Batch,
        write: Callable[..., None],
        lease: Lease,
        result: DispatchResult,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """A send's result, written (under the lease's fencing token) in the transaction that
        marks the batch's next message, or when the batch ends: one write transaction per
        message, not two. Until then the row is `ambiguous`: a sender killed in between leaves
        it to be looked up (an SMS) or resent with its Message-ID (an e-mail), never lost."""
        at = self.clock.now()
        batch.pending.append(lambda session: write(session, lease, result, *args, at=at, **kwargs))

    def _begin(
        self,
        batch: _Batch,
        lease: Lease,
        result: DispatchResult,
        *,
        message_ref: str | None = None,
        throttle: str | None = None,
    ) -> bool:
        """Just before a message goes, in one transaction: the batch's results so far written;
        the sender's next slot taken (`throttle`: its rate limit and a 429's back-off; when it
        must wait, what was written is committed first and it waits outside any transaction);
        then the row still ours (the fencing token), still allowed (the contact policy, checked
        again for this message alone, right before it goes), and marked as possibly sent from
        now on. Renews the batch's leases."""
        with immediate_session(self.sessions) as session:
            self._write_pending(session, batch)
            limited = throttle is not None and self.sms_interval is not None
            if limited:  # a rate limit: this send's slot reserved (a 429's back-off included)
                wait = self._reserve_slot(session, cast(str, throttle))
                if wait > 0:
                    session.commit()
                    self.sleep(wait)
                    return self._begin(batch, lease, result, message_ref=message_ref)
            now = self.clock.now()
            back_off = None if limited else throttle  # no rate limit: the plain mark checks it
            if self._begin_plainly(session, batch, lease, now, message_ref, back_off):
                return True
            if back_off is not None:
                wait = self._reserve_slot(session, back_off)  # a 429's back-off, read
                if wait > 0:
                    session.commit()
                    self.sleep(wait)
                    return self._begin(batch, lease, result, message_ref=message_ref)
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
                session.commit()  # the results written above
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
        back_off: str | None = None,
    ) -> bool:
        """The common case in one statement (`_MARK_PLAINLY`), `back_off` naming the sender
        whose 429 back-off must be over: marked. False: nothing written, take the careful
        path."""
        written = _rows(
            session,
            _MARK_PLAINLY,
            {
                "row": lease.message_id,
                "token": lease.token,
                "at": now,
                "until": now + self.lease,
                "ref": message_ref,
                "sender": back_off,
            },
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
        """A send's result recorded now, in a transaction of its own."""
        with immediate_session(self.sessions) as session:
            self._write_sent(session, lease, result, provider_id, how, at=self.clock.now())
            session.commit()

    def _write_sent(
        self,
        session: Session,
        lease: Lease,
        result: DispatchResult,
        provider_id: str | None,
        how: str,
        *,
        at: datetime,
    ) -> None:
        """The send went (`how`: "sent", or "found" by a look-up) at `at`: recorded, while the
        row is still this sender's."""
        pg = _pg(session)
        record = {
            "row": lease.message_id,
            "token": lease.token,
            "sid": provider_id,
            "at": at,
            "tries": int(how == "sent"),
        }
        attempt = {"when": at, "how": how, "detail": provider_id or ""}
        # A SID is recorded under `callbacks.lock_sid`'s lock: on PostgreSQL taken in the same
        # statement (one round trip: the lock, the record, its attempt); SQLite's write lock,
        # held since the transaction began, already makes a callback wait its turn.
        statement: Any = _RECORD_SENT
        if pg:
            statement = _RECORD_SID_WITH_ATTEMPT if provider_id else _RECORD_SENT_WITH_ATTEMPT
        written = _rows(session, statement, record | attempt)
        if not written:
            # Another sender holds the row now; it looks the message up before any resend.
            result.fenced += 1
            log.warning("outbox %s: %s, but the lease was lost", lease.message_id, how)
            return
        connection = session.connection()
        if not pg:
            connection.execute(
                _RECORD_ATTEMPT,
                {
                    "message_id": lease.message_id,
                    "at": at,
                    "result": how,
                    "detail": attempt["detail"],
                },
            )
        if provider_id and connection.execute(_ANY_WAITING, {"sid": provider_id}).first():
            apply_waiting_callbacks(session, provider_id)  # callbacks that came before the SID
        result.sent += how == "sent"
        result.found += how == "found"

    def _write_failed(
        self,
        session: Session,
        lease: Lease,
        result: DispatchResult,
        error: SendError,
        *,
        at: datetime,
        keep_ambiguous: bool = False,
    ) -> None:
        """The send (or the look-up) failed at `at`: retried later, given up, or — when the
        message may have gone — kept ambiguous, to be looked up; while the row is this sender's."""
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
            self._member_consequences(session, message, error, at)
        else:
            # An ambiguous send is never given up blind: it stays queued, to be looked up.
            message.status = MessageStatus.QUEUED.value
            message.ambiguous = ambiguous
            message.next_attempt_at = at + self.retry.delay(
                min(message.attempts, self.retry.max_attempts), error.retry_after, self.rng
            )
            outcome = "ambiguous" if ambiguous else "retry"
            result.retried += 1
        session.add(
            OutboxAttempt(
                message_id=lease.message_id, at=at, result=outcome, detail=str(error)[:300]
            )
        )
        result.errors.append(str(error))
        log.info("outbox %s: %s (%s)", lease.message_id, outcome, error)

    def _member_consequences(
        self, session: Session, message: OutboxMessage, error: SendError, at: datetime
    ) -> None:
        if message.member_id is None:
            return
        if message.channel == "email":
            if error.code == HARD_BOUNCE:
                member = session.get_one(Member, message.member_id)
                self.outbox.mark_bounced(session, member, at)
            return
        if error.code not in (INVALID_NUMBER, OPTED_OUT):
            return
        member = session.get_one(Member, message.member_id)
        if error.code == INVALID_NUMBER:
            member.phone_invalid = True
        elif error.code == OPTED_OUT:
            member.sms_opt_out = True

    # Rate limit ---------------------------------------------------------------------------------
    def _reserve_slot(self, session: Session, sender: str) -> float:
        """Reserve the sender's next slot in the database (shared by every sender process): the
        seconds to wait for it; with no rate limit, a 429's back-off only (nothing written)."""
        now = self.clock.now()
        if self.sms_interval is None:  # no rate limit: only a 429's back-off to wait out
            until = session.connection().execute(_BACK_OFF_UNTIL, {"sender": sender}).scalar()
            return (until - now).total_seconds() if until is not None and until > now else 0.0
        query = select(SenderThrottle).where(col(SenderThrottle.sender) == sender)
        if _pg(session):
            query = query.with_for_update()
        row = session.scalar(query)
        if row is None:
            row = SenderThrottle(sender=sender, next_allowed_at=now)
            session.add(row)
        slot = max(now, row.next_allowed_at)
        row.next_allowed_at = slot + self.sms_interval
        return (slot - now).total_seconds()

    @staticmethod
    def _write_slow_down(
        session: Session, sender: str, retry_after: float | None, at: datetime
    ) -> None:
        """A 429 at `at`: every sender of this number waits before its next request, not one
        message."""
        pause = timedelta(seconds=retry_after if retry_after is not None else THROTTLE_PAUSE)
        query = select(SenderThrottle).where(col(SenderThrottle.sender) == sender)
        if _pg(session):
            query = query.with_for_update()
        row = session.scalar(query)
        if row is None:
            session.add(SenderThrottle(sender=sender, next_allowed_at=at + pause))
        else:
            row.next_allowed_at = max(row.next_allowed_at, at + pause)


def _pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _rows(session: Session, statement: Any, parameters: dict[str, object]) -> int:
    """Runs a prebuilt UPDATE on the session's connection: the rows it wrote (0 when the row is
    another sender's now, or a condition of the statement does not hold)."""
    return cast(CursorResult[Any], session.connection().execute(statement, parameters)).rowcount


__all__ = ["Dispatcher", "DispatchResult", "Lease", "RetryPolicy", "apply_status_callback"]
