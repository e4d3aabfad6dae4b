"""Messages an agent sends from a member's profile: a template, previewed with its SMS length in
segments, then queued through the outbox (so the contact policy applies) and audited. Only the
notices that need nothing but the member's own record are offered; the others (a rejection, a
complaint update, a survey) are sent by the workflows that know what to say."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import NotFound, ValidationError
from workbench.members.models import CardStatus, Member, MemberCard, Staff
from workbench.members.points import PointsLedger
from workbench.messaging.models import Purpose
from workbench.messaging.outbox import Outbox
from workbench.messaging.templates import Segments, sms_segments
from workbench.permissions.access import AccessDenied, MemberAccess

AGENT_TEMPLATES = (
    "welcome",
    "card_lost",
    "points_expiry",
    "tier_change",
    "birthday",
    "monthly_care",
)
MARKETING = frozenset({"points_expiry", "birthday", "monthly_care"})


@dataclass(frozen=True)
class Preview:
    template: str
    channel: str
    subject: str | None
    text: str
    segments: Segments | None  # SMS only


class DeskMessages:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        outbox: Outbox,
        access: MemberAccess,
        audit: AuditLog,
        ledger: PointsLedger,
        zone: ZoneInfo,
        expiry_reminder_days: int,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.outbox = outbox
        self.access = access
        self.audit = audit
        self.ledger = ledger
        self.zone = zone
        self.expiry_reminder_days = expiry_reminder_days

    def preview(self, actor: Staff, member_id: int, template: str, channel: str) -> Preview:
        with self.sessions() as session:
            member = self._member_in_scope(session, actor, member_id)
            rendered = self.outbox.render(
                session,
                member=member,
                template=template,
                extra=self._occasion(session, member, template),
            )
        if channel == "sms":
            return Preview(template, channel, None, rendered.sms, sms_segments(rendered.sms))
        return Preview(template, channel, rendered.subject, rendered.text, None)

    def send(self, actor: Staff, member_id: int, template: str, channel: str) -> int:
        """Queue it; returns the outbox message id. Refused with the contact policy's reason."""
        with immediate_session(self.sessions) as session:
            member = self._member_in_scope(session, actor, member_id)
            purpose = Purpose.MARKETING if template in MARKETING else Purpose.TRANSACTIONAL
            queued = self.outbox.enqueue(
                session,
                member=member,
                template=template,
                channel=channel,
                purpose=purpose,
                extra=self._occasion(session, member, template),
            )
            if queued.message is None:
                raise ValidationError("message", f"not sent: {queued.reason}")
            session.flush()
            self.audit.record(
                session,
                action="message",
                result="queued",
                actor_id=actor.id,
                member_id=member.id,
                purpose="service",
                detail={"template": template, "channel": channel, "message": queued.message.id},
            )
            session.commit()
            return saved_id(queued.message)

    def _member_in_scope(self, session: Session, actor: Staff, member_id: int) -> Member:
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound(f"no member with id {member_id}")
        if self.access.basis(session, actor, member) is None:
            raise AccessDenied(f"{actor.username} may not contact member {member.member_no}")
        return member

    def _occasion(self, session: Session, member: Member, template: str) -> dict[str, str | int]:
        """What the template needs beyond the member's own record."""
        if template not in AGENT_TEMPLATES:
            raise ValidationError("template", f"one of {', '.join(AGENT_TEMPLATES)}")
        zone = self.zone
        if template == "points_expiry":
            days = self.expiry_reminder_days
            expiring = self.ledger.expiring_within(session, days, member_id=member.id)
            if not expiring:
                raise ValidationError("template", f"no points expire within {days} days")
            first = expiring[0].first_expiry.astimezone(zone).date()
            return {"points": expiring[0].points, "expiry_date": first.isoformat()}
        if template == "card_lost":
            lost = (
                session.query(MemberCard)
                .filter(
                    col(MemberCard.member_id) == member.id,
                    col(MemberCard.status) == CardStatus.LOST,
                )
                .order_by(col(MemberCard.lost_at).desc())
                .first()
            )
            if lost is None:
                raise ValidationError("template", "the member has no card reported lost")
            return {"when": f"{lost.lost_at.astimezone(zone):%Y-%m-%d %H:%M}"}
        if template == "monthly_care":
            month = self.clock.now().astimezone(zone)
            return {
                "points": self.ledger.balance(session, saved_id(member)),
                "month": f"{month:%Y-%m}",
            }
        return {}
