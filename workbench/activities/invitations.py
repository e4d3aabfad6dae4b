"""Invitations by tier, set-based: one INSERT … SELECT writes an invitation for every eligible
member not invited yet (however many: no member row passes through Python), then the messages
are queued a batch at a time — one read of the batch's members, one grouped count of their
recent marketing messages, one multi-row insert into the outbox, two updates of the
invitations. The priority tiers' batches come first and their messages may go at once; the
others' wait until everyone's sign-up opens.

The contact policy is the outbox's (`ContactPolicy`): the same order of checks (terminated,
invalid phone, consent, opt-out, the weekly cap, quiet hours), applied to the batch's counts
instead of one query per member; the sender checks again when a message is about to go. Each
message is a marketing message with a dedupe key per activity, member and channel, so an
invitation run again queues nothing twice; each is a communication record on the member (the
profile lists the outbox).

Rendering is most of the cost of a message, and an invitation's text depends only on the few
values its template names (the form of address, the tier, the activity's): a batch renders
each distinct set of those values once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jinja2 import meta
from sqlalchemy import Boolean, Integer, String, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from workbench.activities import rules
from workbench.activities.models import Activity, ActivityInvitation
from workbench.activities.rules import Eligibility, InvitationStatus
from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.db.types import UTCDateTime
from workbench.errors import ValidationError
from workbench.members.models import Member, MemberStatus, Store
from workbench.members.tiers import TierScheme
from workbench.messaging.models import MessageStatus, OutboxMessage, Purpose
from workbench.messaging.policy import ContactPolicy, Decision
from workbench.messaging.templates import PARTS, Rendered, TemplateCatalogue, sms_segments

TEMPLATE = "activity_invitation"


@dataclass
class BatchResult:
    invitations: int = 0
    messages: int = 0
    skipped: int = 0  # invitations with no message allowed
    reasons: dict[str, int] = field(default_factory=dict)


class Invitations:
    def __init__(
        self,
        *,
        clock: Clock,
        cipher: FieldCipher,
        templates: TemplateCatalogue,
        policy: ContactPolicy,
        scheme: TierScheme,
        zone: ZoneInfo,
        language: str,
        batch_size: int,
    ) -> None:
        self.clock = clock
        self.cipher = cipher
        self.templates = templates
        self.policy = policy
        self.scheme = scheme
        self.zone = zone
        self.language = language
        self.batch_size = batch_size
        self._names: dict[str, tuple[str, ...]] = {}  # language -> the template's variables

    def write(
        self,
        session: Session,
        activity: Activity,
        eligibility: Eligibility,
        priority_tiers: Sequence[str],
    ) -> int:
        """One invitation for each eligible active member not invited yet; how many written."""
        conditions = [col(Member.status) == MemberStatus.ACTIVE.value]
        if eligibility.tiers:
            conditions.append(col(Member.tier_code).in_(eligibility.tiers))
        if eligibility.stores:
            store_ids = list(
                session.scalars(
                    select(col(Store.id)).where(col(Store.code).in_(eligibility.stores))
                )
            )
            conditions.append(col(Member.store_id).in_(store_ids))
        if eligibility.birthday_month is not None:
            conditions.append(
                col(Member.birth_month_day).like(f"{eligibility.birthday_month:02d}%")
            )
        priority = (
            col(Member.tier_code).in_(list(priority_tiers))
            if priority_tiers
            else literal(False, Boolean())
        )
        chosen = select(
            literal(saved_id(activity), Integer()),
            col(Member.id),
            priority,
            literal(InvitationStatus.PENDING.value, String()),
            literal("", String()),
            literal(self.clock.now(), UTCDateTime()),
        ).where(*conditions)
        before = self._count(session, activity)
        # A member invited before is left out by the unique (activity, member) key, not by a
        # NOT EXISTS: PostgreSQL, its statistics saying the invitations table is empty (as
        # before a first run, or one just filled), plans that as a nested loop scanning the
        # table once per member, the rows this very statement inserts included — quadratic
        # (a 20,000-member run spent 6.9 of its 23 s there; 100,000 members, most of 231 s).
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(ActivityInvitation)
            .from_select(
                ["activity_id", "member_id", "priority", "status", "reason", "created_at"], chosen
            )
            .on_conflict_do_nothing(index_elements=["activity_id", "member_id"])
        )
        # Counted rather than read from the cursor: a driver may not report an INSERT … SELECT.
        return self._count(session, activity) - before

    @staticmethod
    def _count(session: Session, activity: Activity) -> int:
        count = session.scalar(
            select(func.count()).where(col(ActivityInvitation.activity_id) == activity.id)
        )
        return int(count or 0)

    def queue_batch(
        self, session: Session, activity: Activity, extra: dict[str, object]
    ) -> BatchResult | None:
        """Queues the messages of the next batch of pending invitations (priority first);
        None when none is left."""
        # Priority first, each by id: with `priority` fixed the pending index gives the order,
        # so a batch reads its rows off the index instead of sorting every pending invitation.
        pending: list[tuple[int, int, bool]] = []
        for priority in (True, False):
            pending = [
                (int(i), int(m), bool(p))
                for i, m, p in session.execute(
                    select(
                        col(ActivityInvitation.id),
                        col(ActivityInvitation.member_id),
                        col(ActivityInvitation.priority),
                    )
                    .where(
                        col(ActivityInvitation.activity_id) == activity.id,
                        col(ActivityInvitation.status) == InvitationStatus.PENDING.value,
                        col(ActivityInvitation.priority) == priority,
                    )
                    .order_by(col(ActivityInvitation.id))
                    .limit(self.batch_size)
                    # Two runs at once take different batches (SQLite has one writer at a time).
                    .with_for_update(skip_locked=True)
                )
            ]
            if pending:
                break
        if not pending:
            return None
        member_ids = [m for _, m, _ in pending]
        members = {
            saved_id(m): m
            for m in session.scalars(select(Member).where(col(Member.id).in_(member_ids)))
        }
        zones = self._zones(session, {m.store_id for m in members.values()})
        channels = rules.parse_codes(activity.channels)
        recent = self._recent_marketing(session, member_ids)
        now = self.clock.now()
        everyone_at = max(now, activity.signup_opens_at)
        result = BatchResult()
        renders: dict[tuple[object, ...], Rendered] = {}
        rows: list[dict[str, object]] = []
        queued: list[int] = []
        skipped: dict[str, list[int]] = {}
        for invitation_id, member_id, priority in pending:
            member = members[member_id]
            zone = zones.get(member.store_id, self.zone)
            reasons = []
            for channel in channels:
                decision = self._decide(
                    member, channel, recent.get((member_id, channel), 0), now, zone
                )
                if decision.allowed:
                    send_at = decision.send_at or now
                    if not priority:  # the others hear of it when their sign-up opens
                        send_at = max(send_at, self.policy.after_quiet_hours(everyone_at, zone))
                    row = self._message(member, channel, extra, activity, send_at, now, renders)
                    if row is not None:
                        rows.append(row)
                        continue
                    decision = Decision(False, reason=f"no {_address_word(channel)} on file")
                reasons.append(decision.reason)
            if len(reasons) < len(channels):
                queued.append(invitation_id)
            else:
                reason = "; ".join(sorted(set(reasons)))[:120]
                skipped.setdefault(reason, []).append(invitation_id)
                result.reasons[reason] = result.reasons.get(reason, 0) + 1
        if rows:
            session.execute(insert(OutboxMessage), rows)
        if queued:
            session.execute(
                update(ActivityInvitation)
                .where(col(ActivityInvitation.id).in_(queued))
                .values(status=InvitationStatus.QUEUED.value, queued_at=now)
                .execution_options(synchronize_session=False)
            )
        for reason, ids in skipped.items():
            session.execute(
                update(ActivityInvitation)
                .where(col(ActivityInvitation.id).in_(ids))
                .values(status=InvitationStatus.SKIPPED.value, reason=reason)
                .execution_options(synchronize_session=False)
            )
        result.invitations = len(pending)
        result.messages = len(rows)
        result.skipped = sum(len(ids) for ids in skipped.values())
        return result

    # Helpers -------------------------------------------------------------------------------------
    def _decide(
        self, member: Member, channel: str, recent: int, now: datetime, zone: ZoneInfo
    ) -> Decision:
        """ContactPolicy.check for a marketing message, with the member's recent count read for
        the whole batch (see the module doc)."""
        if member.status == MemberStatus.TERMINATED or member.erased_at is not None:
            return Decision(False, reason="member terminated")
        if channel == "sms" and member.phone_invalid:
            return Decision(False, reason="the phone number cannot receive SMS")
        if not member.consent_marketing:
            return Decision(False, reason="no consent to marketing")
        if (channel == "sms" and member.sms_opt_out) or (
            channel == "email" and member.email_opt_out
        ):
            return Decision(False, reason=f"opted out of {channel}")
        if recent >= self.policy.marketing_per_week:
            return Decision(False, reason="frequency cap reached")
        return Decision(True, self.policy.after_quiet_hours(now, zone))

    def _message(
        self,
        member: Member,
        channel: str,
        extra: dict[str, object],
        activity: Activity,
        send_at: datetime,
        now: datetime,
        renders: dict[tuple[object, ...], Rendered],
    ) -> dict[str, object] | None:
        name = "phone" if channel == "sms" else "email"
        address = self.cipher.decrypt(name, getattr(member, f"{name}_enc"))
        if not address:
            return None
        language = self.language
        context = {**self._context(member, language), **extra}
        key = (language, *((n, str(context.get(n))) for n in self._variables(language)))
        rendered = renders.get(key)
        if rendered is None:
            rendered = renders[key] = self.templates.render(TEMPLATE, language, context)
        enc = self.cipher.encrypt
        email = channel == "email"
        return {
            "member_id": member.id,
            "channel": channel,
            "template": TEMPLATE,
            "language": language,
            "purpose": Purpose.MARKETING.value,
            "recipient_enc": enc("outbox.recipient", address),
            "subject_enc": enc("outbox.subject", rendered.subject) if email else None,
            "body_enc": enc("outbox.body", rendered.text if email else rendered.sms),
            "html_enc": enc("outbox.html", rendered.html) if email else None,
            "segments": 1 if email else sms_segments(rendered.sms).count,
            "status": MessageStatus.QUEUED.value,
            "attempts": 0,
            "ambiguous": False,
            "next_attempt_at": send_at,
            "dedupe_key": f"activity:{activity.id}:{member.id}:{channel}",
            "created_at": now,
        }

    def _variables(self, language: str) -> tuple[str, ...]:
        """The names the invitation's template reads, in any part (sorted: a key's order)."""
        if language not in self._names:
            shown = (
                language if language in self.templates.languages else self.templates.languages[0]
            )
            env, names = self.templates.env, set[str]()
            for part in PARTS:
                assert env.loader is not None
                source = env.loader.get_source(env, f"{shown}/{TEMPLATE}.{part}")[0]
                names |= meta.find_undeclared_variables(env.parse(source))
            self._names[language] = tuple(sorted(names))
        return self._names[language]

    def _context(self, member: Member, language: str) -> dict[str, object]:
        """What an invitation may name: the form of address, member number and tier (as the
        outbox's context, without the card: an invitation does not show it)."""
        surname = (self.cipher.decrypt("name", member.name_enc) or "")[:1]
        if language == "en":
            call_name = f"{'Mr' if member.gender == 'M' else 'Ms'} {surname}".strip()
        else:
            call_name = surname + ("先生" if member.gender == "M" else "女士")
        return {
            "call_name": call_name,
            "member_no": member.member_no,
            "tier": self.scheme.get(member.tier_code).label(language),
        }

    def _recent_marketing(
        self, session: Session, member_ids: list[int]
    ) -> dict[tuple[int, str], int]:
        since = self.clock.now() - timedelta(days=7)
        rows = session.execute(
            select(col(OutboxMessage.member_id), col(OutboxMessage.channel), func.count())
            .where(
                col(OutboxMessage.member_id).in_(member_ids),
                col(OutboxMessage.purpose) == Purpose.MARKETING.value,
                col(OutboxMessage.created_at) >= since,
                col(OutboxMessage.status) != MessageStatus.CANCELLED.value,
            )
            .group_by(col(OutboxMessage.member_id), col(OutboxMessage.channel))
        )
        return {(int(m), str(c)): int(n) for m, c, n in rows}

    def _zones(self, session: Session, store_ids: set[int]) -> dict[int, ZoneInfo]:
        stores = session.scalars(select(Store).where(col(Store.id).in_(list(store_ids))))
        return {saved_id(s): ZoneInfo(s.timezone) for s in stores if s.timezone}


def _address_word(channel: str) -> str:
    if channel not in ("sms", "email"):
        raise ValidationError("channel", "sms or email")
    return "phone" if channel == "sms" else "e-mail"
