"""Queueing messages: the code that decides to notify calls `enqueue` inside its own
transaction, so the message exists exactly when the change that caused it does."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

from jinja2 import TemplateError, meta
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from workbench.members.models import Member, Role, Staff, Store
from workbench.members.rights import current_card
from workbench.members.tiers import TierScheme
from workbench.messaging.models import (
    EmailBounce,
    MessageStatus,
    OutboxAttempt,
    OutboxMessage,
    Purpose,
)
from workbench.messaging.policy import ContactPolicy
from workbench.messaging.templates import PARTS, Rendered, TemplateCatalogue, sms_segments
from workbench.permissions.staff import EMAIL_FIELD as STAFF_EMAIL_FIELD

CHANNELS = ("sms", "email")
OPERATOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)  # may retry or cancel a message
BOUNCED = "the e-mail address bounced"
ALL_CONTEXT = frozenset({"call_name", "member_no", "card_last4", "tier", "birthday_gift"})


class MessageContent(TypedDict):
    """A queued message's content, decrypted (subject and html: e-mail only)."""

    to: str
    subject: str | None
    body: str
    html: str | None


@dataclass(frozen=True)
class Queued:
    message: OutboxMessage | None
    reason: str = ""  # why nothing was queued


class Outbox:
    def __init__(
        self,
        *,
        clock: Clock,
        cipher: FieldCipher,
        scheme: TierScheme,
        templates: TemplateCatalogue,
        policy: ContactPolicy,
        zone: ZoneInfo,
        language: str,
    ) -> None:
        self.clock = clock
        self.cipher = cipher
        self.scheme = scheme
        self.templates = templates
        self.policy = policy
        self.zone = zone
        self.language = language
        self._names: dict[str, frozenset[str]] = {}

    def context(
        self,
        session: Session,
        member: Member,
        language: str,
        names: Collection[str] = ALL_CONTEXT,
    ) -> dict[str, str]:
        """What templates may use. Deliberately without the ID number or the full name. The card
        is read only when `names` (those the template uses) has it: most notices do not."""
        surname = (self.cipher.decrypt("name", member.name_enc) or "")[:1]
        if language == "en":
            call_name = f"{'Mr' if member.gender == 'M' else 'Ms'} {surname}".strip()
        else:
            call_name = surname + ("先生" if member.gender == "M" else "女士")
        card = current_card(session, saved_id(member)) if "card_last4" in names else None
        tier = self.scheme.get(member.tier_code)
        return {
            "call_name": call_name,
            "member_no": member.member_no,
            "card_last4": card.card_no[-4:] if card else "-",
            "tier": tier.label(language),
            "birthday_gift": tier.birthday_gift(language),  # "" where the tier has none
        }

    def render(
        self,
        session: Session,
        *,
        member: Member,
        template: str,
        language: str | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> Rendered:
        language = language or self.language
        context = self.context(session, member, language, self._names_in(template))
        return self.templates.render(template, language, {**context, **(extra or {})})

    def _names_in(self, template: str) -> Collection[str]:
        """The names a notice's parts use, in any language (read once per notice); every name
        the context offers when they cannot be read."""
        if template not in self._names:
            env = self.templates.env
            names: set[str] = set()
            try:
                for language in self.templates.languages:
                    for part in PARTS:
                        loader = env.loader
                        assert loader is not None
                        source = loader.get_source(env, f"{language}/{template}.{part}")[0]
                        names |= meta.find_undeclared_variables(env.parse(source))
            except (AssertionError, TemplateError):
                return ALL_CONTEXT  # rendering says what is wrong with it
            self._names[template] = frozenset(names)
        return self._names[template]

    def enqueue(
        self,
        session: Session,
        *,
        member: Member,
        template: str,
        channel: str,
        purpose: Purpose | str,
        extra: Mapping[str, object] | None = None,
        dedupe_key: str | None = None,
        complaint_id: int | None = None,
        language: str | None = None,
    ) -> Queued:
        if channel not in CHANNELS:
            raise ValidationError("channel", "sms or email")
        purpose = Purpose(purpose)
        now = self.clock.now()
        zone = self.store_zone(session, member.store_id)
        decision = self.policy.check(
            session, member=member, channel=channel, purpose=purpose.value, now=now, zone=zone
        )
        if not decision.allowed:
            return Queued(None, decision.reason)
        field = "phone" if channel == "sms" else "email"
        address = self.cipher.decrypt(field, getattr(member, f"{field}_enc"))
        if not address:
            return Queued(None, f"no {'phone' if channel == 'sms' else 'e-mail'} on file")
        if channel == "email" and self.bounced(session, member):
            return Queued(None, BOUNCED)
        language = language or self.language
        rendered = self.render(
            session, member=member, template=template, language=language, extra=extra
        )
        enc = self.cipher.encrypt
        message = OutboxMessage(
            member_id=member.id,
            channel=channel,
            template=template,
            language=language,
            purpose=purpose.value,
            recipient_enc=enc("outbox.recipient", address),
            subject_enc=enc("outbox.subject", rendered.subject) if channel == "email" else None,
            body_enc=enc("outbox.body", rendered.sms if channel == "sms" else rendered.text),
            html_enc=enc("outbox.html", rendered.html) if channel == "email" else None,
            segments=sms_segments(rendered.sms).count if channel == "sms" else 1,
            status=MessageStatus.QUEUED.value,
            next_attempt_at=decision.send_at or now,
            dedupe_key=dedupe_key,
            complaint_id=complaint_id,
            created_at=now,
        )
        return self._insert(session, message)

    def enqueue_to_staff(
        self,
        session: Session,
        *,
        staff: Staff,
        template: str,
        extra: Mapping[str, object] | None = None,
        dedupe_key: str | None = None,
        complaint_id: int | None = None,
        language: str | None = None,
    ) -> Queued:
        """An e-mail to a staff member (an escalation). Work mail: the members' contact policy
        (opt-outs, quiet hours, caps) does not apply; it goes as soon as a sender runs."""
        if not staff.active:
            return Queued(None, "staff member inactive")
        address = self.cipher.decrypt(STAFF_EMAIL_FIELD, staff.email_enc)
        if not address:
            return Queued(None, "no e-mail on file")
        language = language or self.language
        rendered = self.templates.render(
            template, language, {"staff_name": staff.display_name, **(extra or {})}
        )
        enc, now = self.cipher.encrypt, self.clock.now()
        message = OutboxMessage(
            staff_id=staff.id,
            channel="email",
            template=template,
            language=language,
            purpose=Purpose.TRANSACTIONAL.value,
            recipient_enc=enc("outbox.recipient", address),
            subject_enc=enc("outbox.subject", rendered.subject),
            body_enc=enc("outbox.body", rendered.text),
            html_enc=enc("outbox.html", rendered.html),
            status=MessageStatus.QUEUED.value,
            next_attempt_at=now,
            dedupe_key=dedupe_key,
            complaint_id=complaint_id,
            created_at=now,
        )
        return self._insert(session, message)

    def store_zone(self, session: Session, store_id: int | None) -> ZoneInfo:
        """A store's time zone (the default zone when it names none), read once per transaction:
        a job queueing thousands of messages reads each store once, not once a message."""
        transaction = session.get_transaction()
        cached = session.info.get("outbox.store_zones")
        if cached is None or cached[0] is not transaction:
            cached = session.info["outbox.store_zones"] = (transaction, {})
        zones: dict[int | None, ZoneInfo] = cached[1]
        if store_id not in zones:
            store = session.get(Store, store_id) if store_id is not None else None
            zones[store_id] = ZoneInfo(store.timezone) if store and store.timezone else self.zone
        return zones[store_id]

    def _insert(self, session: Session, message: OutboxMessage) -> Queued:
        if message.dedupe_key is None:  # nothing unique to collide with: no savepoint needed
            session.add(message)
            session.flush()  # its id, for the caller
            return Queued(message)
        try:
            with session.begin_nested():
                session.add(message)
        except IntegrityError:
            return Queued(None, "already queued")  # a job run twice: the dedupe key held
        return Queued(message)

    def log(self, session: Session, member_id: int, limit: int = 50) -> list[OutboxMessage]:
        """The member's communication archive: channel, template, time, status."""
        query = select(OutboxMessage).where(col(OutboxMessage.member_id) == member_id)
        return list(
            session.scalars(
                query.order_by(
                    col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc()
                ).limit(limit)  # newest first; queued in one transaction: the later one first
            )
        )

    def decrypt_body(self, message: OutboxMessage) -> MessageContent:
        return {
            "to": self.cipher.decrypt("outbox.recipient", message.recipient_enc),
            "subject": self.cipher.decrypt("outbox.subject", message.subject_enc),
            "body": self.cipher.decrypt("outbox.body", message.body_enc),
            "html": self.cipher.decrypt("outbox.html", message.html_enc),
        }

    # Bounces -------------------------------------------------------------------------------------
    def mark_bounced(self, session: Session, member: Member, now: datetime) -> None:
        """The member's current e-mail address hard-bounced: later mail to it is not sent."""
        address = self.cipher.decrypt("email", member.email_enc)
        if not address:
            return
        row = self._bounce(session, member)
        enc = self.cipher.encrypt("outbox.recipient", address)
        if row is None:
            session.add(EmailBounce(member_id=saved_id(member), recipient_enc=enc, at=now))
        else:
            row.recipient_enc, row.at = enc, now

    def bounced(self, session: Session, member: Member) -> bool:
        """Whether the address now on file is one that hard-bounced."""
        row = self._bounce(session, member)
        if row is None:
            return False
        address = self.cipher.decrypt("email", member.email_enc)
        return (
            bool(address) and self.cipher.decrypt("outbox.recipient", row.recipient_enc) == address
        )

    @staticmethod
    def _bounce(session: Session, member: Member) -> EmailBounce | None:
        return session.scalar(select(EmailBounce).where(col(EmailBounce.member_id) == member.id))

    # Operators -----------------------------------------------------------------------------------
    def status_counts(self, session: Session) -> dict[tuple[str, str], int]:
        """(channel, status) → how many messages."""
        rows = session.execute(
            select(col(OutboxMessage.channel), col(OutboxMessage.status), func.count()).group_by(
                col(OutboxMessage.channel), col(OutboxMessage.status)
            )
        )
        return {(channel, status): count for channel, status, count in rows}

    def retry(self, session: Session, message_id: int, *, actor: Staff) -> None:
        """Send a failed or cancelled message again, now; its earlier attempts stay recorded."""
        self._transition(
            session,
            message_id,
            actor,
            "requeued",
            allowed=(MessageStatus.FAILED, MessageStatus.CANCELLED),
            status=MessageStatus.QUEUED,
            next_attempt_at=self.clock.now(),
        )

    def retry_failed(
        self,
        session: Session,
        *,
        actor: Staff,
        since: datetime | None = None,
        channel: str | None = None,
        template: str | None = None,
    ) -> int:
        """Every failed message (created since `since`, of a channel, of a template) queued
        again now, in one statement; each gets an attempt saying who did it. How many."""
        if actor.role not in OPERATOR_ROLES:
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not change messages")
        if channel is not None and channel not in CHANNELS:
            raise ValidationError("channel", "sms or email")
        now = self.clock.now()
        where = [col(OutboxMessage.status) == MessageStatus.FAILED.value]
        if since is not None:
            where.append(col(OutboxMessage.created_at) >= since)
        if channel is not None:
            where.append(col(OutboxMessage.channel) == channel)
        if template is not None:
            where.append(col(OutboxMessage.template) == template)
        ids = [i for i in session.scalars(select(col(OutboxMessage.id)).where(*where)) if i]
        if not ids:
            return 0
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), *where)
            .values(status=MessageStatus.QUEUED.value, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        detail = f"by staff {actor.id} (bulk)"
        session.add_all(
            OutboxAttempt(message_id=i, at=now, result="requeued", detail=detail) for i in ids
        )
        return len(ids)

    def last_errors(self, session: Session) -> dict[str, tuple[datetime, str]]:
        """Per channel, the latest failed or retried attempt: when, and what the provider said."""
        found: dict[str, tuple[datetime, str]] = {}
        for channel in CHANNELS:
            row = session.execute(
                select(col(OutboxAttempt.at), col(OutboxAttempt.detail))
                .join(OutboxMessage, col(OutboxMessage.id) == col(OutboxAttempt.message_id))
                .where(
                    col(OutboxMessage.channel) == channel,
                    col(OutboxAttempt.result).in_(("retry", "failed", "ambiguous")),
                )
                .order_by(col(OutboxAttempt.id).desc())
                .limit(1)
            ).first()
            if row is not None:
                found[channel] = (row[0], row[1])
        return found

    def oldest_queued(self, session: Session) -> dict[str, datetime]:
        """Per channel, when the oldest message still waiting to go (queued or sending) was made."""
        rows = session.execute(
            select(col(OutboxMessage.channel), func.min(col(OutboxMessage.created_at)))
            .where(
                col(OutboxMessage.status).in_(
                    (MessageStatus.QUEUED.value, MessageStatus.SENDING.value)
                )
            )
            .group_by(col(OutboxMessage.channel))
        )
        return {channel: oldest for channel, oldest in rows if oldest is not None}

    def cancel(self, session: Session, message_id: int, *, actor: Staff) -> None:
        """Stop a message that has not gone yet (queued, or failed and waiting to be retried)."""
        self._transition(
            session,
            message_id,
            actor,
            "cancelled",
            allowed=(MessageStatus.QUEUED, MessageStatus.FAILED),
            status=MessageStatus.CANCELLED,
        )

    def _transition(
        self,
        session: Session,
        message_id: int,
        actor: Staff,
        what: str,
        *,
        allowed: tuple[MessageStatus, ...],
        **values: object,
    ) -> None:
        """A conditional update, so a sender claiming the row at the same moment wins cleanly."""
        if actor.role not in OPERATOR_ROLES:
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not change messages")
        # sqlmodel types execute() as a Result; for an UPDATE it is a CursorResult, with a count
        result = cast(
            CursorResult[Any],
            session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message_id,
                    col(OutboxMessage.status).in_([a.value for a in allowed]),
                )
                .values(**{k: getattr(v, "value", v) for k, v in values.items()})
                .execution_options(synchronize_session=False)
            ),
        )
        if not result.rowcount:
            status = session.scalar(
                select(col(OutboxMessage.status)).where(col(OutboxMessage.id) == message_id)
            )
            if status is None:
                raise NotFound(f"no message {message_id} in the outbox")
            raise InvalidState(
                f"message {message_id} is {status}; {what} needs "
                f"{' or '.join(a.value for a in allowed)}"
            )
        session.add(
            OutboxAttempt(
                message_id=message_id,
                at=self.clock.now(),
                result=what,
                detail=f"by staff {actor.id}",
            )
        )
