"""A member's consent to each kind of third-party sharing and each marketing channel: every
giving and withdrawal is a row (who recorded it, when, how the member gave it), never
overwritten, so the history is the evidence. What holds now is the latest row of a kind. Before
a member's first record the flags hold; that first record carries them over, as rows, for every
other kind.

The flags on `Member` (`consent_marketing`, `consent_third_party`, `sms_opt_out`,
`email_opt_out`) are what messaging and sharing read; every record puts them back in step:
marketing is allowed while any channel is, each channel's opt-out follows its own consent, and
third-party sharing is allowed while any sharing kind is (DataSharing checks the kind itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String
from sqlmodel import Field, Session, SQLModel, col, select

from workbench.db.ids import saved_id
from workbench.db.types import utc_column
from workbench.errors import ValidationError
from workbench.members.models import Member


class ConsentKind(StrEnum):
    PARTNER_OFFERS = "partner_offers"  # sharing: partners' offers to the member
    GROUP_COMPANIES = "group_companies"  # sharing: the group's other companies
    SMS = "sms"  # marketing by SMS
    EMAIL = "email"  # marketing by e-mail
    PHONE = "phone"  # marketing calls


SHARING_KINDS = (ConsentKind.PARTNER_OFFERS, ConsentKind.GROUP_COMPANIES)
MARKETING_CHANNELS = (ConsentKind.SMS, ConsentKind.EMAIL, ConsentKind.PHONE)


class ConsentMethod(StrEnum):
    """How the member gave (or withdrew) it."""

    SIGNED_FORM = "signed_form"  # in store, a signed form
    PHONE = "phone"  # on the phone with the hotline
    ONLINE = "online"
    SMS_REPLY = "sms_reply"  # replied to an SMS (STOP, or yes)
    # Written with a member's first record, for every other kind: what the flags said until
    # then, so what holds is always the latest record once there is one.
    CARRIED_OVER = "carried_over"


STAFF_METHODS = tuple(m for m in ConsentMethod if m != ConsentMethod.CARRIED_OVER)


class ConsentRecord(SQLModel, table=True):
    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_member_kind", "member_id", "kind", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    kind: ConsentKind = Field(sa_column=Column(String(24), nullable=False))
    given: bool  # False: withdrawn
    method: ConsentMethod = Field(sa_column=Column(String(16), nullable=False))
    recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")  # None: the member
    recorded_at: datetime = Field(sa_column=utc_column(nullable=False))


def consent_kind(value: str) -> ConsentKind:
    try:
        return ConsentKind((value or "").strip().lower())
    except ValueError:
        raise ValidationError("kind", f"one of {', '.join(k.value for k in ConsentKind)}") from None


def consent_method(value: str) -> ConsentMethod:
    text = (value or "").strip().lower()
    for method in STAFF_METHODS:
        if method.value == text:
            return method
    raise ValidationError("how", f"one of {', '.join(m.value for m in STAFF_METHODS)}")


def legacy_state(member: Member, kind: ConsentKind) -> bool:
    """What the flags said of a kind before any record of it was kept."""
    if kind in SHARING_KINDS:
        return member.consent_third_party
    if kind == ConsentKind.SMS:
        return member.consent_marketing and not member.sms_opt_out
    if kind == ConsentKind.EMAIL:
        return member.consent_marketing and not member.email_opt_out
    return member.consent_marketing and not member.do_not_call


def history(session: Session, member_id: int) -> Sequence[ConsentRecord]:
    """Every record of the member, newest first."""
    return session.exec(
        select(ConsentRecord)
        .where(col(ConsentRecord.member_id) == member_id)
        .order_by(col(ConsentRecord.id).desc())
    ).all()


def current_consents(session: Session, member: Member) -> dict[ConsentKind, ConsentRecord | None]:
    """The latest record of each kind (None: no record yet, the flags hold)."""
    latest: dict[ConsentKind, ConsentRecord | None] = dict.fromkeys(ConsentKind)
    for record in reversed(history(session, saved_id(member))):
        latest[ConsentKind(record.kind)] = record
    return latest


def consents(session: Session, member: Member) -> dict[ConsentKind, bool]:
    return {
        kind: legacy_state(member, kind) if record is None else record.given
        for kind, record in current_consents(session, member).items()
    }


def allows(session: Session, member: Member, kind: ConsentKind) -> bool:
    record = session.exec(
        select(ConsentRecord)
        .where(col(ConsentRecord.member_id) == member.id, col(ConsentRecord.kind) == kind)
        .order_by(col(ConsentRecord.id).desc())
        .limit(1)
    ).first()
    return legacy_state(member, kind) if record is None else record.given


def record_consent(
    session: Session,
    member: Member,
    *,
    kind: ConsentKind,
    given: bool,
    method: ConsentMethod,
    staff_id: int | None,
    now: datetime,
) -> ConsentRecord:
    """Appends the record and puts the member's flags in step, in the caller's transaction.
    The member's first record carries the flags' word on every other kind over as records."""
    latest = current_consents(session, member)
    before = consents(session, member)
    if all(r is None for r in latest.values()):
        for other in ConsentKind:
            if other != kind:
                session.add(
                    ConsentRecord(
                        member_id=saved_id(member),
                        kind=other,
                        given=before[other],
                        method=ConsentMethod.CARRIED_OVER,
                        recorded_by_id=None,
                        recorded_at=now,
                    )
                )
        session.flush()
    record = ConsentRecord(
        member_id=saved_id(member),
        kind=kind,
        given=given,
        method=method,
        recorded_by_id=staff_id,
        recorded_at=now,
    )
    session.add(record)
    state = {**before, kind: given}
    member.consent_third_party = any(state[k] for k in SHARING_KINDS)
    member.consent_marketing = any(state[k] for k in MARKETING_CHANNELS)
    member.sms_opt_out = not state[ConsentKind.SMS]
    member.email_opt_out = not state[ConsentKind.EMAIL]
    session.add(member)
    session.flush()
    return record
