"""Messages staff send or manage: a template previewed and queued for a member from the profile
(through the outbox and its contact policy), and the outbox as operators see it — a template
previewed for a member, what is due sent, the queue counted, one message retried or cancelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from workbench.errors import ValidationError
from workbench.members.models import Member, Staff
from workbench.members.registry import MemberRegistry
from workbench.messaging.desk import DeskMessages, Preview
from workbench.messaging.dispatcher import Dispatcher, DispatchResult
from workbench.messaging.mailings import MailingResult, Mailings
from workbench.messaging.models import MessageStatus, OutboxMessage
from workbench.messaging.outbox import Outbox
from workbench.messaging.templates import Segments, sms_segments
from workbench.permissions.access import MemberAccess, Purpose
from workbench.usecases.base import UnitOfWork
from workbench.usecases.member_refs import NOBODY, staff_name

# What a preview fills in where a template needs more than the member's own data.
SAMPLE_VALUES: dict[str, Any] = {
    "reason": "身份证照片不清晰 / ID photo unreadable",
    "when": "2026-01-01 10:00 UTC",
    "points": 1200,
    "expiry_date": "2026-12-31",
    "complaint_no": "C200000000",
    "update": "已为您办理退款 / your refund is on its way",
    "month": "2026-12",
}


@dataclass(frozen=True)
class OutboxPreview:
    """A template as a member would get it; the recipient as the reader may see it (masked)."""

    phone_shown: str | None
    email_shown: str | None
    sms: str
    segments: Segments
    subject: str
    text: str


@dataclass(frozen=True)
class FailedMessage:
    id: int
    channel: str
    template: str
    attempts: int
    last_error: str
    to: str = NOBODY  # the member's number, or the staff member's name (no personal data)


@dataclass(frozen=True)
class OutboxStatus:
    counts: dict[tuple[str, str], int]  # (channel, status) -> how many
    failures: list[FailedMessage]  # the latest first
    # per channel: the latest error (when, what) and the oldest message still waiting to go
    last_errors: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    oldest_waiting: dict[str, datetime] = field(default_factory=dict)


class MessageDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        messages: DeskMessages,
        outbox: Outbox,
        dispatcher: Dispatcher,
        access: MemberAccess,
        registry: MemberRegistry,
        mailings: Mailings,
    ) -> None:
        self.uow = uow
        self.mailings = mailings
        self.messages = messages
        self.outbox = outbox
        self.dispatcher = dispatcher
        self.access = access
        self.registry = registry

    # Mailings (the scheduler's jobs) -------------------------------------------------------------
    def mailing(self, kind: str) -> MailingResult:
        """One run of a scheduled mailing: points_expiry, birthday or monthly_care; safe to run
        again (each message has its dedupe key)."""
        runs = {
            "points_expiry": self.mailings.points_expiry_reminders,
            "birthday": self.mailings.birthday_greetings,
            "monthly_care": self.mailings.monthly_care,
        }
        if kind not in runs:
            raise ValidationError("mailing", f"one of {', '.join(runs)}")
        return runs[kind]()

    # From the profile ----------------------------------------------------------------------------
    def preview(self, actor: Staff, member_id: int, template: str, channel: str) -> Preview:
        return self.messages.preview(actor, member_id, template, channel)

    def send(self, actor: Staff, member_id: int, template: str, channel: str) -> int:
        """Queues it; the outbox message's id. Refused with the contact policy's reason."""
        return self.messages.send(actor, member_id, template, channel)

    # The outbox ----------------------------------------------------------------------------------
    def preview_for(
        self, actor: Staff, member_no: str, template: str, *, language: str | None = None
    ) -> OutboxPreview:
        """A template for a member the actor may read (the access layer decides and audits),
        sample values standing in for the occasion."""
        view = self.access.view(actor, member_no, Purpose.SERVICE)
        with self.uow.read() as session:
            member = self.registry.get(session, member_no)
            rendered = self.outbox.render(
                session, member=member, template=template, language=language, extra=SAMPLE_VALUES
            )
        return OutboxPreview(
            phone_shown=view.shown("phone"),
            email_shown=view.shown("email"),
            sms=rendered.sms,
            segments=sms_segments(rendered.sms),
            subject=rendered.subject,
            text=rendered.text,
        )

    def can_send(self) -> bool:
        """Whether any sender (SMS through Twilio, e-mail through SMTP) is configured."""
        return self.dispatcher.sms is not None or self.dispatcher.email is not None

    def send_due(self, limit: int = 100) -> DispatchResult:
        """One round of sending what is due, `limit` messages per channel."""
        return self.dispatcher.run_once(limit)

    def status(self, *, failures: int = 10) -> OutboxStatus:
        """Messages by channel and state, and the latest failures (no personal data)."""
        with self.uow.read() as session:
            counts = self.outbox.status_counts(session)
            rows = session.execute(
                select(
                    col(OutboxMessage.id),
                    col(OutboxMessage.channel),
                    col(OutboxMessage.template),
                    col(OutboxMessage.attempts),
                    col(OutboxMessage.last_error),
                    col(Member.member_no),
                    col(OutboxMessage.staff_id),
                )
                .outerjoin(Member, col(Member.id) == col(OutboxMessage.member_id))
                .where(col(OutboxMessage.status) == MessageStatus.FAILED.value)
                .order_by(col(OutboxMessage.id).desc())
                .limit(failures)
            ).all()
            last_errors = self.outbox.last_errors(session)
            oldest = self.outbox.oldest_queued(session)
            failed = [
                FailedMessage(
                    row.id,
                    row.channel,
                    row.template,
                    row.attempts,
                    row.last_error or "",
                    row.member_no or staff_name(session, row.staff_id),
                )
                for row in rows
            ]
        return OutboxStatus(
            counts=counts, failures=failed, last_errors=last_errors, oldest_waiting=oldest
        )

    def retry(self, actor: Staff, message_id: int) -> None:
        """Queue a failed or cancelled message again (supervisors and administrators)."""
        with self.uow.write() as session:
            self.outbox.retry(session, message_id, actor=actor)

    def retry_failed(
        self,
        actor: Staff,
        *,
        since: datetime | None = None,
        channel: str | None = None,
        template: str | None = None,
    ) -> int:
        """Queue again, in one go, every failed message matching (after an outage); how many."""
        with self.uow.write() as session:
            return self.outbox.retry_failed(
                session, actor=actor, since=since, channel=channel, template=template
            )

    def cancel(self, actor: Staff, message_id: int) -> None:
        """Stop a message that has not gone yet (supervisors and administrators)."""
        with self.uow.write() as session:
            self.outbox.cancel(session, message_id, actor=actor)
