"""The contact policy: checked when a message is queued and again when it is about to go (a
member may opt out, or the night may come, in between). Transactional notices always go;
marketing respects the member's opt-out per channel, waits out quiet hours in the member's time
zone, and stays under a frequency cap per member and channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.members.models import Member, MemberStatus
from workbench.messaging.models import MessageStatus, OutboxMessage, Purpose


@dataclass(frozen=True)
class Decision:
    allowed: bool
    send_at: datetime | None = None  # when it may go (later than now in quiet hours)
    reason: str = ""


@dataclass(frozen=True)
class ContactPolicy:
    quiet_start: time  # e.g. 21:00
    quiet_end: time  # e.g. 09:00
    marketing_per_week: int

    def check(
        self,
        session: Session,
        *,
        member: Member,
        channel: str,
        purpose: str,
        now: datetime,
        zone: ZoneInfo,
    ) -> Decision:
        if member.status == MemberStatus.TERMINATED or member.erased_at is not None:
            return Decision(False, reason="member terminated")
        if channel == "sms" and member.phone_invalid:
            return Decision(False, reason="the phone number cannot receive SMS")
        if purpose == Purpose.TRANSACTIONAL:
            return Decision(True, now)
        if not member.consent_marketing:
            return Decision(False, reason="no consent to marketing")
        if (channel == "sms" and member.sms_opt_out) or (
            channel == "email" and member.email_opt_out
        ):
            return Decision(False, reason=f"opted out of {channel}")
        week_ago = now - timedelta(days=7)
        recent = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.member_id) == member.id,
                col(OutboxMessage.channel) == channel,
                col(OutboxMessage.purpose) == Purpose.MARKETING.value,
                col(OutboxMessage.created_at) >= week_ago,
                col(OutboxMessage.status) != MessageStatus.CANCELLED.value,
            )
        ).scalar_one()
        if recent >= self.marketing_per_week:
            return Decision(False, reason="frequency cap reached")
        return Decision(True, self.after_quiet_hours(now, zone))

    def at_send(
        self,
        session: Session,
        *,
        member: Member,
        message: OutboxMessage,
        now: datetime,
        zone: ZoneInfo,
    ) -> Decision:
        """The same rules when the message is about to go: refused (cancel it, with the
        reason), or allowed with the time it may go (later than now: hold it till then). The
        cap counts the member's other marketing messages of the week that went."""
        if member.status == MemberStatus.TERMINATED or member.erased_at is not None:
            return Decision(False, reason="member terminated")
        if message.channel == "sms" and member.phone_invalid:
            return Decision(False, reason="the phone number cannot receive SMS")
        if message.purpose == Purpose.TRANSACTIONAL:
            return Decision(True, now)
        if not member.consent_marketing:
            return Decision(False, reason="no consent to marketing")
        if (message.channel == "sms" and member.sms_opt_out) or (
            message.channel == "email" and member.email_opt_out
        ):
            return Decision(False, reason=f"opted out of {message.channel}")
        went = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                col(OutboxMessage.member_id) == member.id,
                col(OutboxMessage.channel) == message.channel,
                col(OutboxMessage.purpose) == Purpose.MARKETING.value,
                col(OutboxMessage.sent_at) >= now - timedelta(days=7),
                col(OutboxMessage.id) != message.id,
            )
        ).scalar_one()
        if went >= self.marketing_per_week:
            return Decision(False, reason="frequency cap reached")
        return Decision(True, self.after_quiet_hours(now, zone))

    def after_quiet_hours(self, now: datetime, zone: ZoneInfo) -> datetime:
        local = now.astimezone(zone)
        clock = local.time()
        in_quiet = (
            (clock >= self.quiet_start or clock < self.quiet_end)
            if self.quiet_start > self.quiet_end
            else self.quiet_start <= clock < self.quiet_end
        )
        if not in_quiet:
            return now
        morning = datetime.combine(local.date(), self.quiet_end, tzinfo=zone)
        if clock >= self.quiet_end:  # late evening: tomorrow morning
            morning += timedelta(days=1)
        return morning
