"""The member registry: application and review, card lifecycle, termination with erasure,
and finding members by phone, ID number or card through the blind index.

Service methods take the session and the acting staff member; the caller commits, so a change
and everything it causes land in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crypto import BlindIndex, FieldCipher
from workbench.db.copy_insert import any_of, insert_rows, table_of
from workbench.db.ids import saved_id
from workbench.errors import (
    DuplicateMember,
    InvalidState,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from workbench.masking.fields import MASKERS
from workbench.masking.text import refuse_unsafe
from workbench.members import rights
from workbench.members.erasure import Eraser
from workbench.members.goods import settle_goods
from workbench.members.identity import normalise_email, normalise_phone, parse_id_number
from workbench.members.joining import (
    checked_purchase,
    latest_submission,
    refuse_recorded_receipt,
)
from workbench.members.models import (
    CardStatus,
    Channel,
    Member,
    MemberCard,
    MemberEvent,
    MemberStatus,
    PointsEntry,
    PointsKind,
    Role,
    Staff,
    Store,
)
from workbench.members.numbers import random_card_no, random_member_no
from workbench.members.points import PointsLedger
from workbench.members.ports import MemberNotices
from workbench.members.referrals import Promotion, top_up_referrers
from workbench.members.tiers import TierScheme

PERSONAL_FIELDS = ("name", "phone", "id_number", "email", "address", "birthday")
REVIEWERS = {Role.AGENT, Role.SUPERVISOR, Role.ADMIN}
TIER_APPROVERS = {Role.SUPERVISOR, Role.ADMIN}
USABLE_CARD = rights.USABLE_CARD

# The phone look-ups' statements, built once: each call then only binds the blind index, and
# SQLAlchemy finds the compiled SQL by a cache key kept on the statement instead of building a
# new statement (and its key) every time.
_MEMBER: Table = Member.__table__  # type: ignore[attr-defined]
_BY_PHONE_BIDX = select(Member).where(col(Member.phone_bidx) == bindparam("bidx"))
_READ_COLUMNS = ("id", "member_no", "status", "store_id", "tier_code")
_READ_BY_PHONE: dict[tuple[str, ...], Select[Any]] = {}


def _read_by_phone(fields: tuple[str, ...]) -> Select[Any]:
    """The Core select of a member's service columns and `fields`' ciphertexts by phone."""
    statement = _READ_BY_PHONE.get(fields)
    if statement is None:
        columns = [_MEMBER.c[name] for name in _READ_COLUMNS]
        columns += [_MEMBER.c[f"{name}_enc"] for name in fields]
        statement = select(*columns).where(_MEMBER.c.phone_bidx == bindparam("bidx"))
        _READ_BY_PHONE[fields] = statement
    return statement


_ROW_BY_NUMBER = select(_MEMBER).where(_MEMBER.c.member_no == bindparam("member_no"))


class MemberRow(Protocol):
    """A member as read: the ORM `Member`, or a Core row of the member table (the same names;
    what an audited read takes, at a fraction of the ORM load's cost)."""

    @property
    def id(self) -> int | None: ...
    @property
    def member_no(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def store_id(self) -> int: ...
    @property
    def sales_staff_id(self) -> int | None: ...
    @property
    def tier_code(self) -> str: ...
    @property
    def joined_at(self) -> datetime | None: ...
    @property
    def consent_marketing(self) -> bool: ...
    @property
    def consent_third_party(self) -> bool: ...


class TerminationReason(StrEnum):
    VOLUNTARY = "voluntary"
    INACTIVITY = "inactivity"
    VIOLATION = "violation"
    BUSINESS_CHANGE = "business_change"


@dataclass
class MemberApplication:
    """What an applicant gives; phone and ID number are checked, email and address optional."""

    name: str
    phone: str
    id_number: str
    store_code: str
    channel: Channel | str = Channel.STORE
    email: str | None = None
    address: str | None = None
    referrer_member_no: str | None = None
    consent_marketing: bool = True
    # The qualifying purchase, where the scheme has a joining threshold (members/joining.py).
    purchase_amount: Decimal | str | None = None
    purchase_receipt: str | None = None


@dataclass
class CheckedApplication:
    name: str
    phone: str
    id_number: str | None  # None only for members admitted from another system without one
    birthday: date | None
    gender: str | None
    email: str | None
    address: str | None
    channel: Channel


@dataclass
class MemberRecord:
    """A member with personal fields decrypted. Only the access layer hands these out."""

    member: Member
    fields: dict[str, str | None]
    card_no: str | None
    card_status: CardStatus | None
    store_code: str
    extra: dict[str, Any] = field(default_factory=dict)

    def masked(self) -> dict[str, str | None]:
        return {name: MASKERS[name](value) for name, value in self.fields.items()}


@dataclass(frozen=True)
class PhoneMatch:
    """A member found by phone and the personal fields asked for, decrypted: read from one row,
    without loading (and tracking) the ORM object, for callers that only read. Un-audited, like
    `MemberRegistry.find_by_phone`: the access layer audits what staff see."""

    member_id: int
    member_no: str
    status: MemberStatus
    store_id: int
    tier_code: str
    fields: dict[str, str | None]


def check_application(
    app: MemberApplication, phone_region: str, *, id_required: bool = True
) -> CheckedApplication:
    """The application as it will be stored, or a ValidationError naming the field. The ID-card
    number is required of applicants; a system of record that holds none (Odoo) may leave it
    out, but one that is given must be valid."""
    name = refuse_unsafe((app.name or "").strip(), "name")
    if not name:
        raise ValidationError("name", "a name is required")
    if len(name) > 50:
        raise ValidationError("name", "at most 50 characters")
    try:
        channel = Channel(app.channel)
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise ValidationError("channel", f"one of {allowed}") from None
    card = parse_id_number(app.id_number) if id_required or (app.id_number or "").strip() else None
    address = refuse_unsafe((app.address or "").strip() or None, "address")
    if address and len(address) > 200:
        raise ValidationError("address", "at most 200 characters")
    refuse_unsafe(app.email, "email")
    return CheckedApplication(
        name=name,
        phone=normalise_phone(app.phone, phone_region),
        id_number=card.number if card else None,
        birthday=card.birthday if card else None,
        gender=card.gender if card else None,
        email=normalise_email(app.email),
        address=address,
        channel=channel,
    )


class MemberRegistry:
    def __init__(
        self,
        *,
        clock: Clock,
        cipher: FieldCipher,
        blind_index: BlindIndex,
        scheme: TierScheme,
        ledger: PointsLedger,
        audit: AuditLog,
        phone_region: str = "CN",
        card_prefix: str = "9",
        termination_notice_days: int = 30,
        notify: MemberNotices,
        erasers: Sequence[Eraser],
    ) -> None:
        self.clock = clock
        self.cipher = cipher
        self.blind_index = blind_index
        self.scheme = scheme
        self.ledger = ledger
        self.audit = audit
        self.phone_region = phone_region
        self.card_prefix = card_prefix
        self.termination_notice_days = termination_notice_days
        # Member notices (welcome, rejection, frozen card) go through the messaging outbox, and
        # the member's data kept by other packages is erased by their erasers
        # (members/erasure.py): both depend on this package, so bootstrap hands them in.
        self.notify = notify
        self.erasers = tuple(erasers)

    # Blind index ----------------------------------------------------------------------------
    def phone_bidx(self, e164: str) -> str:
        return self.blind_index.digest("phone", e164)

    def id_number_bidx(self, number: str) -> str:
        return self.blind_index.digest("id_number", number)

    # Look-ups -------------------------------------------------------------------------------
    def get(self, session: Session, member_no: str) -> Member:
        member = session.scalar(
            select(Member).where(col(Member.member_no) == member_no.strip().upper())
        )
        if member is None:
            raise NotFound(f"no member with number {member_no!r}")
        return member

    def row_by_number(self, session: Session, member_no: str) -> MemberRow | None:
        """The member's row (Core: nothing loaded into the session) by number, or None."""
        found = session.connection().execute(
            _ROW_BY_NUMBER, {"member_no": member_no.strip().upper()}
        )
        return cast(MemberRow | None, found.first())

    def find_by_phone(self, session: Session, phone: str) -> Member | None:
        bidx = self.phone_bidx(normalise_phone(phone, self.phone_region, mobile_only=False))
        return session.scalar(_BY_PHONE_BIDX, {"bidx": bidx})

    def read_by_phone(
        self, session: Session, phone: str, fields: tuple[str, ...] = PERSONAL_FIELDS
    ) -> PhoneMatch | None:
        """`find_by_phone` for a caller that only reads: the member's service columns and
        `fields` decrypted, from a Core row (a third of the ORM load's time)."""
        bidx = self.phone_bidx(normalise_phone(phone, self.phone_region, mobile_only=False))
        if session.autoflush:  # as the ORM query would: the session's own changes are seen
            session.flush()
        row = session.execute(_read_by_phone(fields), {"bidx": bidx}).first()
        if row is None:
            return None
        decrypt = self.cipher.decrypt
        offset = len(_READ_COLUMNS)
        return PhoneMatch(
            member_id=row[0],
            member_no=row[1],
            status=MemberStatus(row[2]),
            store_id=row[3],
            tier_code=row[4],
            fields={name: decrypt(name, row[offset + i]) for i, name in enumerate(fields)},
        )

    def find_by_id_number(self, session: Session, id_number: str) -> Member | None:
        bidx = self.id_number_bidx(parse_id_number(id_number).number)
        return session.scalar(select(Member).where(col(Member.id_number_bidx) == bidx))

    def find_by_card(self, session: Session, card_no: str) -> tuple[Member, MemberCard] | None:
        row = session.execute(
            select(Member, MemberCard)
            .join(MemberCard, col(MemberCard.member_id) == col(Member.id))
            .where(col(MemberCard.card_no) == card_no.strip())
        ).first()
        return (row[0], row[1]) if row else None

    def current_card(self, session: Session, member_id: int) -> MemberCard | None:
        return rights.current_card(session, member_id)

    def cards(self, session: Session, member_id: int) -> list[MemberCard]:
        query = (
            select(MemberCard)
            .where(col(MemberCard.member_id) == member_id)
            .order_by(col(MemberCard.id))
        )
        return list(session.scalars(query))

    def events(self, session: Session, member_id: int) -> list[MemberEvent]:
        query = (
            select(MemberEvent)
            .where(col(MemberEvent.member_id) == member_id)
            .order_by(col(MemberEvent.id))
        )
        return list(session.scalars(query))

    def decrypt(
        self, member: MemberRow, fields: tuple[str, ...] = PERSONAL_FIELDS
    ) -> dict[str, str | None]:
        return {f: self.cipher.decrypt(f, getattr(member, f"{f}_enc")) for f in fields}

    def record(self, session: Session, member: Member) -> MemberRecord:
        card = self.current_card(session, saved_id(member))
        store = session.get(Store, member.store_id)
        return MemberRecord(
            member=member,
            fields=self.decrypt(member),
            card_no=card.card_no if card else None,
            card_status=card.status if card else None,
            store_code=store.code if store else "",
        )

    # Application and review -------------------------------------------------------------------
    def apply(self, session: Session, *, application: MemberApplication, actor: Staff) -> Member:
        checked = check_application(application, self.phone_region)
        purchase = checked_purchase(
            session, self.scheme, application.purchase_amount, application.purchase_receipt
        )
        store = session.scalar(select(Store).where(col(Store.code) == application.store_code))
        if store is None:
            raise ValidationError("store", f"no store with code {application.store_code!r}")
        referrer_id = None
        if application.referrer_member_no:
            referrer = self.get(session, application.referrer_member_no)
            if referrer.status != MemberStatus.ACTIVE:
                raise ValidationError("referrer", "the referrer is not an active member")
            referrer_id = referrer.id
        phone_bidx = self.phone_bidx(checked.phone)
        id_bidx = self.id_number_bidx(_required_id_number(checked))
        self.refuse_duplicates(session, phone_bidx, id_bidx, actor=actor)
        now = self.clock.now()
        # Checked against the registry: at a million members a blind draw collides about once
        # in a thousand applications, which would fail the applicant with a database error.
        (member_no,) = _unused_numbers(session, col(Member.member_no), 1, random_member_no)
        member = Member(
            member_no=member_no,
            status=MemberStatus.PENDING_REVIEW,
            store_id=saved_id(store),
            sales_staff_id=actor.id if actor.role == Role.SALES else None,
            channel=checked.channel,
            referrer_id=referrer_id,
            tier_code=self.scheme.base.code,
            consent_marketing=application.consent_marketing,
            submitted_at=now,
        )
        self._write_personal(member, checked, phone_bidx, id_bidx)
        session.add(member)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()  # a concurrent application with the same phone or ID won the race
            self.refuse_duplicates(session, phone_bidx, id_bidx, actor=actor)
            raise
        self._event(
            session,
            member,
            "applied",
            actor,
            channel=checked.channel.value,
            **({"purchase": purchase.detail()} if purchase else {}),
        )
        return member

    def _write_personal(
        self, member: Member, checked: CheckedApplication, phone_bidx: str, id_bidx: str | None
    ) -> None:
        for column, value in self._personal_columns(checked, phone_bidx, id_bidx).items():
            setattr(member, column, value)

    def _personal_columns(
        self, checked: CheckedApplication, phone_bidx: str, id_bidx: str | None
    ) -> dict[str, str | None]:
        enc = self.cipher.encrypt
        birthday = checked.birthday
        return {
            "name_enc": enc("name", checked.name),
            "phone_enc": enc("phone", checked.phone),
            "id_number_enc": enc("id_number", checked.id_number),
            "email_enc": enc("email", checked.email),
            "address_enc": enc("address", checked.address),
            "birthday_enc": enc("birthday", birthday.isoformat() if birthday else None),
            "birth_month_day": birthday.strftime("%m%d") if birthday else None,
            "gender": checked.gender,
            "phone_bidx": phone_bidx,
            "id_number_bidx": id_bidx,
        }

    def write_id_number_derived(self, member: Member, id_number: str) -> None:
        """What follows from a new ID-card number: its blind index, and the birthday and gender
        it encodes (as at application). The caller has written the number itself."""
        card = parse_id_number(id_number)
        member.id_number_bidx = self.id_number_bidx(card.number)
        member.birthday_enc = self.cipher.encrypt("birthday", card.birthday.isoformat())
        member.birth_month_day = card.birthday.strftime("%m%d")
        member.gender = card.gender

    def refuse_duplicates(
        self,
        session: Session,
        phone_bidx: str | None,
        id_bidx: str | None,
        except_id: int | None = None,
        *,
        actor: Staff | None = None,
        action: str = "apply",
    ) -> None:
        """DuplicateMember when another member holds this phone or ID number. The message does
        not say who; the refusal is audited (the existing member in the entry only) and
        committed before it is raised, so it outlives the caller's rollback: call this before
        writing anything the refusal should not keep."""
        for column, value, label, name in (
            (col(Member.phone_bidx), phone_bidx, "phone number", "phone"),
            (col(Member.id_number_bidx), id_bidx, "ID-card number", "id_number"),
        ):
            if value is None:
                continue
            existing = session.scalar(select(Member).where(column == value))
            if existing is not None and existing.id != except_id:
                self.audit.record(
                    session,
                    action="duplicate_refused",
                    result="denied",
                    actor_id=actor.id if actor else None,
                    member_id=existing.id,
                    detail={"field": name, "while": action},
                )
                session.commit()
                raise DuplicateMember(label)

    def approve(self, session: Session, *, member_no: str, actor: Staff) -> Member:
        require_role(actor, REVIEWERS, "review applications")
        member = self._in_status(session, member_no, MemberStatus.PENDING_REVIEW, "approved")
        now = self.clock.now()
        member.status = MemberStatus.ACTIVE
        member.reviewed_at = now
        member.reviewed_by_id = actor.id
        member.rejection_reason = None
        member.joined_at = now
        member.tier_code = self._joining_tier(session, member, actor)
        card = self._issue_card(session, member, replaces=None, status=CardStatus.ISSUED)
        self._event(session, member, "approved", actor, card_no=card.card_no)
        self._notify(session, member, "welcome")
        if member.referrer_id is not None:
            referrer = session.get(Member, member.referrer_id)
            bonus = self.scheme.get(member.tier_code).referral_bonus
            if referrer is not None and referrer.status == MemberStatus.ACTIVE and bonus:
                self.ledger.credit(
                    session,
                    member_id=saved_id(referrer),
                    kind=PointsKind.REFERRAL,
                    points=bonus,
                    staff_id=actor.id,
                    detail=f"referred {member.member_no}",
                )
        return member

    def reject(self, session: Session, *, member_no: str, reason: str, actor: Staff) -> Member:
        require_role(actor, REVIEWERS, "review applications")
        reason = refuse_unsafe((reason or "").strip(), "reason", multiline=True)
        if not reason:
            raise ValidationError("reason", "say why the application is rejected")
        member = self._in_status(session, member_no, MemberStatus.PENDING_REVIEW, "rejected")
        member.status = MemberStatus.REJECTED
        member.reviewed_at = self.clock.now()
        member.reviewed_by_id = actor.id
        member.rejection_reason = reason[:500]
        self._event(session, member, "rejected", actor, reason=reason[:500])
        # The applicant is told what the template says; the reason is for the submitter.
        self._notify(session, member, "rejection")
        return member

    def resubmit(
        self, session: Session, *, member_no: str, application: MemberApplication, actor: Staff
    ) -> Member:
        """The corrected application goes back for review."""
        member = self._in_status(session, member_no, MemberStatus.REJECTED, "resubmitted")
        checked = check_application(application, self.phone_region)
        purchase = checked_purchase(
            session, self.scheme, application.purchase_amount, application.purchase_receipt
        )
        phone_bidx = self.phone_bidx(checked.phone)
        id_bidx = self.id_number_bidx(_required_id_number(checked))
        self.refuse_duplicates(
            session, phone_bidx, id_bidx, except_id=member.id, actor=actor, action="resubmit"
        )
        self._write_personal(member, checked, phone_bidx, id_bidx)
        member.channel = checked.channel
        member.status = MemberStatus.PENDING_REVIEW
        member.submitted_at = self.clock.now()
        self._event(
            session,
            member,
            "resubmitted",
            actor,
            **({"purchase": purchase.detail()} if purchase else {}),
        )
        return member

    # Members whose record another system keeps --------------------------------------------------
    def admit(
        self,
        session: Session,
        *,
        applications: list[CheckedApplication],
        store_id: int,
        source: str,
        actor: Staff | None = None,
    ) -> list[int]:
        """Members another system of record (Odoo) has already accepted: active at once, each with
        an issued card and an `admitted` event naming the source. No review and no welcome
        message (they are members already), and no marketing consent until the member gives it
        to us. The caller has refused duplicates in bulk; the unique blind indexes still guard
        against a race. Written as bulk inserts (a first import is a whole membership); returns
        the new members' ids in the order given."""
        if not applications:
            return []
        now = self.clock.now()
        numbers = _unused_numbers(
            session, col(Member.member_no), len(applications), random_member_no
        )
        rows: list[dict[str, Any]] = []  # the bulk insert's parameters, one per member
        for checked, member_no in zip(applications, numbers, strict=True):
            id_bidx = self.id_number_bidx(checked.id_number) if checked.id_number else None
            rows.append(
                {
                    "member_no": member_no,
                    "status": MemberStatus.ACTIVE.value,
                    "store_id": store_id,
                    "channel": checked.channel.value,
                    "tier_code": self.scheme.base.code,
                    "consent_marketing": False,
                    "consent_third_party": False,
                    "do_not_call": False,
                    "sms_opt_out": False,
                    "email_opt_out": False,
                    "phone_invalid": False,
                    "submitted_at": now,
                    "reviewed_at": now,
                    "joined_at": now,
                    "reviewed_by_id": actor.id if actor else None,
                    **self._personal_columns(checked, self.phone_bidx(checked.phone), id_bidx),
                }
            )
        ids = insert_rows(session, table_of(Member), rows, ids=True)  # COPY on PostgreSQL
        card_numbers = _unused_numbers(
            session, col(MemberCard.card_no), len(ids), lambda: random_card_no(self.card_prefix)
        )
        insert_rows(
            session,
            table_of(MemberCard),
            [
                {
                    "member_id": member_id,
                    "card_no": card_no,
                    "status": CardStatus.ISSUED.value,
                    "issued_at": now,
                }
                for member_id, card_no in zip(ids, card_numbers, strict=True)
            ],
        )
        insert_rows(
            session,
            table_of(MemberEvent),
            [
                {
                    "member_id": member_id,
                    "kind": "admitted",
                    "occurred_at": now,
                    "staff_id": actor.id if actor else None,
                    "detail": json.dumps({"source": source, "card_no": card_no}),
                }
                for member_id, card_no in zip(ids, card_numbers, strict=True)
            ],
        )
        return list(ids)

    def apply_master_data(
        self,
        session: Session,
        *,
        member: Member,
        checked: CheckedApplication,
        source: str,
        actor: Staff | None = None,
    ) -> list[str]:
        """Take the personal fields another system of record owns: name, phone, e-mail, address,
        and the ID-card number when it gives one (a number we hold is never erased because that
        system has none). Returns the fields that changed; the event names them, never their
        values. The caller has refused duplicates."""
        wanted = {
            "name": checked.name,
            "phone": checked.phone,
            "email": checked.email,
            "address": checked.address,
        }
        if checked.id_number:
            wanted["id_number"] = checked.id_number
        current = self.decrypt(member, tuple(wanted))
        changed = [name for name, value in wanted.items() if current[name] != value]
        for name in changed:
            setattr(member, f"{name}_enc", self.cipher.encrypt(name, wanted[name]))
        if "phone" in changed:
            member.phone_bidx = self.phone_bidx(checked.phone)
        if "id_number" in changed and checked.id_number:  # only wanted when it is given
            self.write_id_number_derived(member, checked.id_number)
        if changed:
            self._event(session, member, "details_synced", actor, source=source, fields=changed)
        return changed

    # Cards ----------------------------------------------------------------------------------
    def activate_card(
        self, session: Session, *, card_no: str, phone: str, actor: Staff
    ) -> MemberCard:
        """Activation binds the card to the member's phone: the number given must match."""
        found = self.find_by_card(session, card_no)
        if found is None:
            raise NotFound(f"no card {card_no!r}")
        member, card = found
        if member.status != MemberStatus.ACTIVE:
            raise InvalidState(f"member {member.member_no} is {member.status}")
        if card.status != CardStatus.ISSUED:
            raise InvalidState(f"card {card.card_no} is {card.status}, not waiting for activation")
        bidx = self.phone_bidx(normalise_phone(phone, self.phone_region))
        if bidx != member.phone_bidx:
            raise ValidationError("phone", "does not match the phone number on the application")
        card.status = CardStatus.ACTIVE
        card.activated_at = self.clock.now()
        self._event(session, member, "card_activated", actor, card_no=card.card_no)
        self._card_audit(session, "card_activate", actor, member, card_no=card.card_no)
        self._notify(session, member, "card_activated")
        return card

    def report_lost(self, session: Session, *, member_no: str, actor: Staff) -> MemberCard:
        """Freeze the member's card at once; any later use of it is refused."""
        member = self.get(session, member_no)
        card = self.current_card(session, saved_id(member))
        if card is None or card.status not in USABLE_CARD:
            status = str(card.status) if card else "missing"
            raise InvalidState(f"member {member.member_no} has no usable card (it is {status})")
        card.status = CardStatus.LOST
        card.lost_at = self.clock.now()
        self._event(session, member, "card_lost", actor, card_no=card.card_no)
        self._card_audit(session, "card_lost", actor, member, card_no=card.card_no)
        session.flush()
        self._notify(session, member, "card_lost", when=f"{card.lost_at:%Y-%m-%d %H:%M} UTC")
        return card

    def reissue_card(self, session: Session, *, member_no: str, actor: Staff) -> MemberCard:
        """A new card number; the old card stays in the history, never usable again."""
        member = self.get(session, member_no)
        if member.status != MemberStatus.ACTIVE:
            raise InvalidState(f"member {member.member_no} is {member.status}")
        old = self.current_card(session, saved_id(member))
        if old is not None:
            if old.status in USABLE_CARD:
                old.status = CardStatus.REPLACED
            old.closed_at = self.clock.now()
        new = self._issue_card(session, member, replaces=old, status=CardStatus.ACTIVE)
        self._event(
            session,
            member,
            "card_reissued",
            actor,
            card_no=new.card_no,
            old_card_no=old.card_no if old else None,
        )
        old_no = old.card_no if old else None
        self._card_audit(
            session, "card_reissue", actor, member, card_no=new.card_no, old_card_no=old_no
        )
        self._notify(session, member, "card_reissued")
        return new

    def card_found(self, session: Session, *, member_no: str, actor: Staff) -> MemberCard:
        """Unfreeze a lost card that was found: only the member's current card, so only if no
        new card was issued since (a reissued number replaces the lost one for good). It goes
        back to where it was: active if it had been activated, else waiting for activation."""
        member = self._in_status(session, member_no, MemberStatus.ACTIVE, "given a card back")
        card = self.current_card(session, saved_id(member))
        if card is None or card.status != CardStatus.LOST:
            lost = next(
                (
                    c
                    for c in reversed(self.cards(session, saved_id(member)))
                    if c.status == CardStatus.LOST
                ),
                None,
            )
            if lost is not None and card is not None:
                raise InvalidState(
                    f"card {lost.card_no} stays frozen: card {card.card_no} was issued since"
                )
            status = str(card.status) if card else "missing"
            raise InvalidState(f"member {member.member_no} has no lost card (the card is {status})")
        lost_at = card.lost_at
        card.status = CardStatus.ACTIVE if card.activated_at else CardStatus.ISSUED
        card.lost_at = None
        self._event(session, member, "card_found", actor, card_no=card.card_no)
        self._card_audit(
            session,
            "card_found",
            actor,
            member,
            card_no=card.card_no,
            lost_at=lost_at.isoformat() if lost_at else None,
        )
        session.flush()
        self._notify(session, member, "card_found")
        return card

    def replace_damaged(self, session: Session, *, member_no: str, actor: Staff) -> MemberCard:
        """A new card number for a damaged card that still works: the old one is closed as
        `damaged` and kept in the history. The points and the tier are the member's, not the
        card's, so they carry over as they are; the new card is active if the old one was."""
        member = self._in_status(session, member_no, MemberStatus.ACTIVE, "given a new card")
        old = self.current_card(session, saved_id(member))
        if old is None or old.status not in USABLE_CARD:
            status = str(old.status) if old else "missing"
            hint = (
                ": reissue it instead" if old is not None and old.status == CardStatus.LOST else ""
            )
            raise InvalidState(
                f"member {member.member_no} has no working card to replace (it is {status}){hint}"
            )
        status = old.status
        old.status = CardStatus.DAMAGED
        old.closed_at = self.clock.now()
        new = self._issue_card(session, member, replaces=old, status=status)
        self._event(
            session, member, "card_replaced", actor, card_no=new.card_no, old_card_no=old.card_no
        )
        self._card_audit(
            session, "card_replace", actor, member, card_no=new.card_no, old_card_no=old.card_no
        )
        self._notify(session, member, "card_replaced")
        return new

    def require_usable_card(self, session: Session, member: Member) -> MemberCard:
        """An active member's current card, if it is not frozen: the rule the points ledger
        applies to every redemption (see workbench.members.rights)."""
        return rights.may_spend(session, member)

    def _issue_card(
        self,
        session: Session,
        member: Member,
        *,
        replaces: MemberCard | None,
        status: CardStatus,
    ) -> MemberCard:
        now = self.clock.now()
        for _attempt in range(5):
            card_no = random_card_no(self.card_prefix)
            if (
                session.scalar(select(col(MemberCard.id)).where(col(MemberCard.card_no) == card_no))
                is None
            ):
                break
        card = MemberCard(
            member_id=saved_id(member),
            card_no=card_no,
            status=status,
            issued_at=now,
            activated_at=now if status == CardStatus.ACTIVE else None,
            replaces_card_id=replaces.id if replaces else None,
        )
        session.add(card)
        session.flush()
        return card

    # Termination ------------------------------------------------------------------------------
    def give_termination_notice(
        self, session: Session, *, member_no: str, reason: TerminationReason | str, actor: Staff
    ) -> Member:
        reason = _termination_reason(reason)
        member = self._in_status(session, member_no, MemberStatus.ACTIVE, "given notice")
        member.termination_reason = reason.value
        member.termination_due_at = self.clock.now() + timedelta(days=self.termination_notice_days)
        self._event(
            session,
            member,
            "termination_notice",
            actor,
            reason=reason.value,
            due=member.termination_due_at.isoformat(),
        )
        return member

    def terminate(
        self,
        session: Session,
        *,
        member_no: str,
        reason: TerminationReason | str,
        actor: Staff | None,
    ) -> Member:
        """Settle the points and the stored goods, close the cards, and erase the personal
        data. The row stays, anonymised, so ledgers and tickets still add up. `actor` None:
        the scheduled job, at the end of a notice period."""
        reason = _termination_reason(reason)
        member = self.get(session, member_no)
        if member.status == MemberStatus.TERMINATED:
            raise InvalidState(f"member {member.member_no} is already terminated")
        now = self.clock.now()
        if reason != TerminationReason.VOLUNTARY and member.status == MemberStatus.ACTIVE:
            due = member.termination_due_at
            if due is None or member.termination_reason != reason.value:
                raise InvalidState(
                    f"a {reason.value} termination needs notice first "
                    f"({self.termination_notice_days} days)"
                )
            if now < due:
                raise InvalidState(f"the notice period runs until {due:%Y-%m-%d %H:%M} UTC")
        staff_id = actor.id if actor else None
        settled = self.ledger.settle(
            session,
            member_id=saved_id(member),
            staff_id=staff_id,
            detail=f"termination: {reason.value}",
        )
        goods = settle_goods(session, member_id=saved_id(member), staff_id=staff_id, now=now)
        for card in self.cards(session, saved_id(member)):
            if card.status in USABLE_CARD:
                card.status = CardStatus.TERMINATED
            card.closed_at = card.closed_at or now
        member.status = MemberStatus.TERMINATED
        member.termination_reason = reason.value
        member.terminated_at = now
        self.erase(session, member)
        self._event(
            session,
            member,
            "terminated",
            actor,
            reason=reason.value,
            points_settled=settled,
            goods_settled=goods,
        )
        return member

    def erase(self, session: Session, member: Member) -> None:
        """Erase the member's personal data everywhere it is kept: what other packages hold
        first (the call log finds calls by the member's phone index), then the member row."""
        now = self.clock.now()
        for eraser in self.erasers:
            eraser(session, member, cipher=self.cipher, now=now)
        self.erase_personal_data(member)

    def erase_terminated(
        self, session: Session, *, actor: Staff, after_id: int = 0, limit: int = 500
    ) -> list[int]:
        """Run `erase` again for up to `limit` terminated members after `after_id` (in id
        order): for members terminated before erasure reached every package. Idempotent; the
        caller commits each batch. Returns the member ids done."""
        require_role(actor, {Role.ADMIN}, "erase terminated members' data")
        members = session.scalars(
            select(Member)
            .where(col(Member.status) == MemberStatus.TERMINATED, col(Member.id) > after_id)
            .order_by(col(Member.id))
            .limit(limit)
        ).all()
        for member in members:
            self.erase(session, member)
        if members:
            self.audit.record(
                session,
                action="erase",
                result="ok",
                actor_id=actor.id,
                detail={
                    "terminated_members": len(members),
                    "from_id": members[0].id,
                    "to_id": members[-1].id,
                },
            )
        return [saved_id(m) for m in members]

    def erase_personal_data(self, member: Member) -> None:
        """The member row only: see `erase` for all of the member's data."""
        for name in PERSONAL_FIELDS:
            setattr(member, f"{name}_enc", None)
        member.phone_bidx = None
        member.id_number_bidx = None
        member.birth_month_day = None
        member.gender = None
        member.consent_marketing = False
        member.consent_third_party = False
        member.rejection_reason = None  # free text about the applicant
        member.erased_at = member.erased_at or self.clock.now()

    # Tiers --------------------------------------------------------------------------------------
    def grant_tier(
        self,
        session: Session,
        *,
        member_no: str,
        tier_code: str,
        reason: str,
        requested_by: Staff,
        approved_by: Staff,
        until: datetime | None = None,
    ) -> Member:
        """A manual grant (e.g. platinum): asked for by one person, approved by a second (a
        tier approver), kept until `until` (default: one review period) even if spend would
        demote it. Recorded as a member event and in the audit log, in the caller's
        transaction."""
        tier = self.scheme.get(tier_code)
        if not tier.manual_grant:
            raise ValidationError("tier", f"{tier.code} cannot be granted by hand")
        require_role(approved_by, TIER_APPROVERS, "approve a manual tier grant")
        if approved_by.id == requested_by.id:
            raise PermissionDenied("a manual tier grant needs a second person's approval")
        if not refuse_unsafe((reason or "").strip(), "reason", multiline=True):
            raise ValidationError("reason", "say why the tier is granted")
        member = self._in_status(session, member_no, MemberStatus.ACTIVE, "granted a tier")
        now = self.clock.now()
        months = self.scheme.review_period_months or 12
        member.tier_locked_until = until or now + timedelta(days=round(months * 30.44))
        old = member.tier_code
        member.tier_code = tier.code
        if tier.rank > self.scheme.get(old).rank:  # the referrer's bonus tops up to this tier
            top_up_referrers(
                session,
                self.ledger,
                self.scheme,
                [Promotion(saved_id(member), tier.code)],
                approved_by.id,
            )
        session.add(
            MemberEvent(
                member_id=saved_id(member),
                kind="tier_granted",
                occurred_at=now,
                staff_id=requested_by.id,
                approved_by_id=approved_by.id,
                detail=json.dumps(
                    {
                        "from": old,
                        "to": tier.code,
                        "reason": reason.strip()[:300],
                        "until": member.tier_locked_until.isoformat(),
                    },
                    ensure_ascii=False,
                ),
            )
        )
        self.audit.record(
            session,
            action="tier_grant",
            result="ok",
            actor_id=approved_by.id,
            member_id=member.id,
            detail={
                "requested_by": requested_by.id,
                "from": old,
                "to": tier.code,
                "until": member.tier_locked_until.isoformat(),
                "reason": reason.strip()[:300],
            },
        )
        return member

    def adjust_points(
        self, session: Session, *, member_no: str, points: int, reason: str, actor: Staff
    ) -> PointsEntry:
        """A supervisor's correction of a member's points, either way, with the reason: one
        ledger line through the member's lock (a debit only of what may be spent now),
        recorded as a member event and in the audit log, in the caller's transaction."""
        require_role(actor, TIER_APPROVERS, "adjust a member's points")
        reason = refuse_unsafe((reason or "").strip(), "reason", multiline=True)
        if not reason:
            raise ValidationError("reason", "say why the points are adjusted")
        member = self.get(session, member_no)
        entry = self.ledger.adjust(
            session, member=member, points=points, staff_id=actor.id, detail=reason[:300]
        )
        self._event(session, member, "points_adjusted", actor, points=points, reason=reason[:300])
        self.audit.record(
            session,
            action="points_adjustment",
            result="ok",
            actor_id=actor.id,
            member_id=member.id,
            detail={"points": points, "reason": reason[:300]},
        )
        return entry

    def _joining_tier(self, session: Session, member: Member, actor: Staff) -> str:
        """The tier an approved applicant joins at. Under a scheme with a joining threshold
        the application's qualifying purchase decides it, and is recorded here (the member is
        active by now), earning its points; without one the approval is refused."""
        if self.scheme.join_threshold is None:
            return self.scheme.base.code
        submission = latest_submission(session, saved_id(member))
        purchase = submission.purchase if submission else None
        tier = self.scheme.joining_tier(purchase.amount if purchase else None)
        if purchase is None or tier is None or submission is None:
            raise InvalidState(
                f"scheme {self.scheme.name} admits members with one purchase of at least "
                f"{self.scheme.join_threshold} yuan: application {member.member_no} has none; "
                "reject it so the submitter adds the purchase"
            )
        refuse_recorded_receipt(session, purchase.receipt)
        member.tier_code = tier.code  # the purchase earns points at the joining tier
        self.ledger.record_purchase(
            session,
            member=member,
            amount=purchase.amount,
            store_id=member.store_id,
            staff_id=actor.id,
            at=submission.at,
            external_ref=purchase.receipt,
        )
        return tier.code

    # Helpers ------------------------------------------------------------------------------------
    def _in_status(
        self, session: Session, member_no: str, status: MemberStatus, action: str
    ) -> Member:
        member = self.get(session, member_no)
        if member.status != status:
            raise InvalidState(
                f"member {member.member_no} is {member.status}; "
                f"only a {status.value} member can be {action}"
            )
        return member

    def _card_audit(
        self, session: Session, action: str, actor: Staff, member: Member, **detail: Any
    ) -> None:
        """A card step in the audit log (card numbers only: nothing personal)."""
        self.audit.record(
            session,
            action=action,
            result="ok",
            actor_id=actor.id,
            member_id=member.id,
            detail=detail,
        )

    def _notify(self, session: Session, member: Member, notice: str, **extra: Any) -> None:
        self.notify(session, member, notice, extra=extra)

    def _event(
        self, session: Session, member: Member, kind: str, actor: Staff | None, **detail: Any
    ) -> None:
        session.add(
            MemberEvent(
                member_id=saved_id(member),
                kind=kind,
                occurred_at=self.clock.now(),
                staff_id=actor.id if actor else None,
                detail=json.dumps(detail, ensure_ascii=False) if detail else "",
            )
        )


def _required_id_number(checked: CheckedApplication) -> str:
    """Applicants must give an ID-card number (check_application requires it of them)."""
    if checked.id_number is None:
        raise ValidationError("id_number", "an ID-card number is required")
    return checked.id_number


def _unused_numbers(
    session: Session, column: Mapped[str], count: int, draw: Callable[[], str]
) -> list[str]:
    """`count` distinct random numbers that no row holds yet (one query per round of draws)."""
    chosen: set[str] = set()
    while len(chosen) < count:
        drawn = {draw() for _ in range(count - len(chosen))} - chosen
        taken = set(session.scalars(select(column).where(any_of(session, column, drawn))))
        chosen |= drawn - taken
    return list(chosen)


def _termination_reason(reason: TerminationReason | str) -> TerminationReason:
    try:
        return TerminationReason(reason)
    except ValueError:
        allowed = ", ".join(r.value for r in TerminationReason)
        raise ValidationError("reason", f"one of {allowed}") from None


def require_role(actor: Staff, roles: set[Role], action: str) -> None:
    if actor.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise PermissionDenied(f"only {allowed} may {action}; {actor.username} is {actor.role}")
