"""Membership applications from submission to a decision (issue 22, items 1 and 2).

Sales staff and store managers submit an application at their store; customer service (agents,
supervisors, administrators) reviews the queue, oldest first, against the review SLA
(`[members] review_sla_hours`); hotline registrations join the same queue. A rejection goes back
to the staff member who submitted the application — in their "returned" list and by e-mail —
with the reviewer's reason; the applicant gets only the rejection notice's wording. The
submitter corrects the application and resubmits it. Under a tier scheme with a joining
threshold (config/tiers/store.toml) the application carries its qualifying purchase, and the
approval records it through the points ledger (workbench.members.joining).

Lists show members by number and masked name and staff by name; nothing here returns a
personal field in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import PermissionDenied, ValidationError
from workbench.masking.fields import MASKERS
from workbench.members.identity import parse_id_number
from workbench.members.joining import SUBMISSIONS, latest_submission, submission_of
from workbench.members.models import (
    Channel,
    Member,
    MemberCard,
    MemberEvent,
    MemberStatus,
    Role,
    Staff,
    Store,
    StoreKind,
)
from workbench.members.ports import StaffNotices
from workbench.members.registry import REVIEWERS, MemberApplication, MemberRegistry
from workbench.members.tiers import TierScheme
from workbench.messaging.models import OutboxMessage
from workbench.permissions.access import serves_all_stores
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.branches import own_branch
from workbench.usecases.member_refs import (
    UnknownMember,
    find_member,
    member_line,
    staff_name,
)

if TYPE_CHECKING:
    from workbench.bootstrap import Services

SUBMITTERS = frozenset({Role.SALES, Role.STORE_MANAGER})
# Whoever submitted an application (a sales person, or an agent for a hotline registration)
# corrects it; a store manager may correct any of their store's.
CORRECTORS = frozenset({Role.SALES, Role.STORE_MANAGER, Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
EDITABLE = ("name", "phone", "id_number", "email", "address")


@dataclass(frozen=True)
class ApplicationInput:
    """What the form or the command gives. Gender and birthday, where given, must agree with
    the ID-card number, which encodes both (and is what is stored)."""

    name: str
    phone: str
    id_number: str
    gender: str | None = None  # M or F
    birthday: str | None = None  # YYYY-MM-DD
    email: str | None = None
    address: str | None = None
    channel: str = Channel.STORE.value
    referrer: str | None = None  # member number or card number
    store_code: str | None = None  # None: the actor's store
    purchase_amount: str | None = None  # the qualifying purchase, where the scheme needs one
    purchase_receipt: str | None = None
    consent_marketing: bool = False  # given only when the applicant says so (opt-in)


@dataclass(frozen=True)
class ApplicationChanges:
    """A resubmission's corrections: None leaves a field as it is; "" clears e-mail or
    address. A purchase not given is carried over from the previous submission."""

    name: str | None = None
    phone: str | None = None
    id_number: str | None = None
    gender: str | None = None
    birthday: str | None = None
    email: str | None = None
    address: str | None = None
    channel: str | None = None
    purchase_amount: str | None = None
    purchase_receipt: str | None = None


@dataclass(frozen=True)
class StoreOption:
    code: str
    name: str


@dataclass(frozen=True)
class ApplicationForm:
    """What the application form offers: the actor's store, the channels, the scheme's joining
    threshold (None: no qualifying purchase needed)."""

    stores: tuple[StoreOption, ...]
    own_store: str | None
    channels: tuple[str, ...]
    scheme: str
    join_threshold: str | None


@dataclass(frozen=True)
class Submitted:
    member_no: str
    masked_name: str
    status: str


@dataclass(frozen=True)
class QueueLine:
    """One application waiting for review, with its age against the review SLA."""

    member_no: str
    masked_name: str
    channel: str
    store_code: str
    store_name: str
    submitted_by: str
    submitted_at: datetime
    due_at: datetime
    age: timedelta
    overdue: bool
    resubmitted: bool
    purchase: str | None  # "2500.00 (receipt R-1)"; None where none was given


@dataclass(frozen=True)
class ReviewQueue:
    lines: tuple[QueueLine, ...]
    sla_hours: int
    now: datetime


@dataclass(frozen=True)
class Decision:
    """What a review decided and what it caused."""

    member_no: str
    masked_name: str
    status: str
    card_no: str | None = None
    tier_code: str | None = None
    points_earned: int = 0
    welcome_queued: int = 0
    submitter: str = "—"
    submitter_emailed: bool = False


@dataclass(frozen=True)
class ReturnedLine:
    member_no: str
    masked_name: str
    reason: str
    reviewed_by: str
    reviewed_at: datetime | None
    channel: str
    store_code: str


@dataclass(frozen=True)
class ReturnedApplication:
    """A returned application as its submitter corrects it: the fields masked (they are the
    form's placeholders; a field left empty is kept), the rest as submitted."""

    member_no: str
    reason: str
    masked: dict[str, str | None]
    gender: str | None
    channel: str
    store_code: str
    purchase_amount: str | None
    purchase_receipt: str | None


class ApplicationDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        scheme: TierScheme,
        notify_staff: StaffNotices,
        review_sla_hours: int,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.scheme = scheme
        self.notify_staff = notify_staff
        self.review_sla = timedelta(hours=review_sla_hours)

    # Submitting -----------------------------------------------------------------------------
    def form(self, actor: Staff) -> ApplicationForm:
        require_role(actor, SUBMITTERS | CORRECTORS, "fill in membership applications")
        with self.uow.read() as session:
            rows = session.execute(
                select(col(Store.id), col(Store.code), col(Store.name))
                .where(col(Store.kind) != StoreKind.HEADQUARTERS)
                .order_by(col(Store.code))
            ).all()
        own = next((code for id_, code, _ in rows if id_ == actor.store_id), None)
        threshold = self.scheme.join_threshold
        return ApplicationForm(
            stores=tuple(StoreOption(code, name) for _, code, name in rows),
            own_store=own,
            channels=tuple(c.value for c in Channel if c != Channel.HOTLINE),
            scheme=self.scheme.name,
            join_threshold=str(threshold) if threshold is not None else None,
        )

    def submit(self, actor: Staff, given: ApplicationInput) -> Submitted:
        """A new application at the actor's store, pending review."""
        require_role(actor, SUBMITTERS, "submit membership applications")
        with self.uow.write() as session:
            store_code = self._own_store(session, actor, given.store_code)
            _agrees_with_id(given.id_number, given.gender, given.birthday)
            if self.scheme.join_threshold is not None and not (given.purchase_amount or "").strip():
                raise ValidationError(
                    "purchase_amount",
                    f"scheme {self.scheme.name} admits members with one purchase of at least "
                    f"{self.scheme.join_threshold} yuan: give its amount and receipt",
                )
            referrer = None
            if (given.referrer or "").strip():
                try:
                    referrer = find_member(session, self.registry, actor, given.referrer or "")
                except UnknownMember as unknown:
                    raise ValidationError("referrer", str(unknown)) from None
            member = self.registry.apply(
                session,
                application=MemberApplication(
                    name=given.name,
                    phone=given.phone,
                    id_number=given.id_number,
                    store_code=store_code,
                    channel=given.channel,
                    email=given.email or None,
                    address=given.address or None,
                    referrer_member_no=referrer.member_no if referrer else None,
                    consent_marketing=given.consent_marketing,
                    purchase_amount=(given.purchase_amount or "").strip() or None,
                    purchase_receipt=given.purchase_receipt,
                ),
                actor=actor,
            )
            line = member_line(self.cipher, member)
            return Submitted(member.member_no, line.masked_name, str(member.status))

    def _own_store(self, session: Session, actor: Staff, store_code: str | None) -> str:
        """Store staff submit for their own store: the default, and the only one allowed."""
        own = own_branch(session, actor)
        wanted = (store_code or "").strip().upper()
        if own is None:
            if not wanted:
                raise ValidationError("store_code", "choose the store the applicant joins")
            return wanted
        if wanted and wanted != own.code:
            raise ValidationError("store_code", f"you submit applications for {own.code} only")
        return own.code

    # Reviewing ------------------------------------------------------------------------------
    def queue(self, actor: Staff, limit: int = 200) -> ReviewQueue:
        """Applications waiting for review, oldest first (hotline registrations too)."""
        require_role(actor, REVIEWERS, "review membership applications")
        now = self.clock.now()
        with self.uow.read() as session:
            query = _with_latest_submission(
                select(Member, MemberEvent, Store).join(
                    Store, col(Store.id) == col(Member.store_id)
                )
            ).where(col(Member.status) == MemberStatus.PENDING_REVIEW)
            if not serves_all_stores(session, actor):
                query = query.where(col(Member.store_id) == actor.store_id)
            rows = session.execute(
                query.order_by(col(Member.submitted_at), col(Member.id)).limit(limit)
            ).all()
            lines = []
            for member, event, store in rows:
                purchase = submission_of(event).purchase
                due = member.submitted_at + self.review_sla
                lines.append(
                    QueueLine(
                        member_no=member.member_no,
                        masked_name=member_line(self.cipher, member).masked_name,
                        channel=str(member.channel),
                        store_code=store.code,
                        store_name=store.name,
                        submitted_by=staff_name(session, event.staff_id),
                        submitted_at=member.submitted_at,
                        due_at=due,
                        age=now - member.submitted_at,
                        overdue=now > due,
                        resubmitted=event.kind == "resubmitted",
                        purchase=(
                            f"{purchase.amount} (receipt {purchase.receipt})" if purchase else None
                        ),
                    )
                )
        return ReviewQueue(tuple(lines), int(self.review_sla.total_seconds() // 3600), now)

    def approve(self, actor: Staff, reference: str) -> Decision:
        """Member number and card; the welcome queued; under a threshold scheme the qualifying
        purchase recorded (refused without one)."""
        require_role(actor, REVIEWERS, "review membership applications")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            self.registry.approve(session, member_no=member.member_no, actor=actor)
            session.flush()
            card = session.scalars(
                select(MemberCard)
                .where(col(MemberCard.member_id) == member.id)
                .order_by(col(MemberCard.id).desc())
            ).first()
            earned = self.registry.ledger.stored_balance(session, saved_id(member))
            welcome = session.scalar(
                select(func.count()).where(
                    col(OutboxMessage.member_id) == member.id,
                    col(OutboxMessage.template) == "welcome",
                )
            )
            return Decision(
                member_no=member.member_no,
                masked_name=member_line(self.cipher, member).masked_name,
                status=str(member.status),
                card_no=card.card_no if card else None,
                tier_code=member.tier_code,
                points_earned=earned,
                welcome_queued=int(welcome or 0),
            )

    def reject(self, actor: Staff, reference: str, reason: str) -> Decision:
        """Back to the staff member who submitted it, with the reason: in their returned list
        and by e-mail. The applicant is sent the rejection notice (without the reason)."""
        require_role(actor, REVIEWERS, "review membership applications")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            self.registry.reject(session, member_no=member.member_no, reason=reason, actor=actor)
            submission = latest_submission(session, saved_id(member))
            submitter = (
                session.get(Staff, submission.staff_id)
                if submission and submission.staff_id is not None
                else None
            )
            masked = member_line(self.cipher, member).masked_name
            emailed = False
            if submitter is not None:
                emailed = self.notify_staff(
                    session,
                    submitter,
                    "application_returned",
                    extra={
                        "member_no": member.member_no,
                        "masked_name": masked,
                        "reason": member.rejection_reason or "",
                        "reviewer": actor.display_name,
                    },
                    dedupe_key=f"application_returned:{member.member_no}:"
                    f"{self.clock.now().isoformat()}",
                )
            return Decision(
                member_no=member.member_no,
                masked_name=masked,
                status=str(member.status),
                submitter=staff_name(session, submitter.id if submitter else None),
                submitter_emailed=emailed,
            )

    # Returned applications --------------------------------------------------------------------
    def returned(self, actor: Staff) -> list[ReturnedLine]:
        """The actor's applications returned for correction, oldest decision first."""
        require_role(actor, CORRECTORS, "correct membership applications")
        with self.uow.read() as session:
            rows = session.execute(
                _with_latest_submission(
                    select(Member, MemberEvent, Store).join(
                        Store, col(Store.id) == col(Member.store_id)
                    )
                )
                .where(col(Member.status) == MemberStatus.REJECTED, _corrected_by(actor))
                .order_by(col(Member.reviewed_at), col(Member.id))
            ).all()
            return [
                ReturnedLine(
                    member_no=member.member_no,
                    masked_name=member_line(self.cipher, member).masked_name,
                    reason=member.rejection_reason or "",
                    reviewed_by=staff_name(session, member.reviewed_by_id),
                    reviewed_at=member.reviewed_at,
                    channel=str(member.channel),
                    store_code=store.code,
                )
                for member, _event, store in rows
            ]

    def returned_count(self, actor: Staff) -> int:
        """How many of the actor's applications wait for correction (0 for roles that submit
        none): what the home screen tells them."""
        if actor.role not in CORRECTORS:
            return 0
        return len(self.returned(actor))

    def returned_application(self, actor: Staff, reference: str) -> ReturnedApplication:
        with self.uow.read() as session:
            member = self._correctable(session, actor, reference)
            clear = self.registry.decrypt(member)
            submission = latest_submission(session, saved_id(member))
            purchase = submission.purchase if submission else None
            store = session.get(Store, member.store_id)
            return ReturnedApplication(
                member_no=member.member_no,
                reason=member.rejection_reason or "",
                masked={name: MASKERS[name](clear[name]) for name in (*EDITABLE, "birthday")},
                gender=member.gender,
                channel=str(member.channel),
                store_code=store.code if store else "",
                purchase_amount=str(purchase.amount) if purchase else None,
                purchase_receipt=purchase.receipt if purchase else None,
            )

    def resubmit(self, actor: Staff, reference: str, changes: ApplicationChanges) -> Submitted:
        """The corrected application back in the review queue; unchanged fields stay."""
        with self.uow.write() as session:
            member = self._correctable(session, actor, reference)
            clear = self.registry.decrypt(member)
            merged = {
                name: clear[name] if getattr(changes, name) is None else getattr(changes, name)
                for name in EDITABLE
            }
            _agrees_with_id(merged["id_number"] or "", changes.gender, changes.birthday)
            submission = latest_submission(session, saved_id(member))
            previous = submission.purchase if submission else None
            amount, receipt = changes.purchase_amount, changes.purchase_receipt
            if not (amount or "").strip() and previous is not None:
                amount, receipt = str(previous.amount), receipt or previous.receipt
            store = session.get(Store, member.store_id)
            self.registry.resubmit(
                session,
                member_no=member.member_no,
                application=MemberApplication(
                    name=merged["name"] or "",
                    phone=merged["phone"] or "",
                    id_number=merged["id_number"] or "",
                    store_code=store.code if store else "",
                    channel=changes.channel or str(member.channel),
                    email=merged["email"] or None,
                    address=merged["address"] or None,
                    consent_marketing=member.consent_marketing,
                    purchase_amount=(amount or "").strip() or None,
                    purchase_receipt=receipt,
                ),
                actor=actor,
            )
            line = member_line(self.cipher, member)
            return Submitted(member.member_no, line.masked_name, str(member.status))

    def _correctable(self, session: Session, actor: Staff, reference: str) -> Member:
        """A returned application the actor may correct: one they submitted, or (a store
        manager) one of their store's. Others are refused as unknown."""
        require_role(actor, CORRECTORS, "correct membership applications")
        member = find_member(session, self.registry, actor, reference)
        if member.status != MemberStatus.REJECTED:
            raise ValidationError(
                "member", f"application {member.member_no} is {member.status}, not returned"
            )
        submission = latest_submission(session, saved_id(member))
        submitted_by = submission.staff_id if submission is not None else None
        submitted_by_actor = submitted_by is not None and submitted_by == actor.id
        manages_store = actor.role == Role.STORE_MANAGER and actor.store_id == member.store_id
        unowned = submitted_by is None and actor.role in REVIEWERS  # online, partner: ours
        if not (submitted_by_actor or manages_store or unowned):
            raise PermissionDenied(
                f"application {member.member_no} was submitted by someone else: "
                "they correct it, or their store manager"
            )
        return member


def _with_latest_submission(
    query: Select[Member, MemberEvent, Store],
) -> Select[Member, MemberEvent, Store]:
    """Joins each member's latest submission event (applied or resubmitted) to `query`."""
    latest = (
        select(col(MemberEvent.member_id), func.max(col(MemberEvent.id)).label("last_id"))
        .where(col(MemberEvent.kind).in_(SUBMISSIONS))
        .group_by(col(MemberEvent.member_id))
        .subquery()
    )
    return query.join(latest, latest.c.member_id == col(Member.id)).join(
        MemberEvent, col(MemberEvent.id) == latest.c.last_id
    )


def _agrees_with_id(id_number: str, gender: str | None, birthday: str | None) -> None:
    """Gender and birthday are read from the ID-card number; given as well, they must agree."""
    gender = (gender or "").strip().upper() or None
    birthday = (birthday or "").strip() or None
    if gender is None and birthday is None:
        return
    card = parse_id_number(id_number)
    if gender is not None and gender not in ("M", "F"):
        raise ValidationError("gender", "M or F")
    if gender is not None and gender != card.gender:
        raise ValidationError("gender", "does not agree with the ID-card number")
    if birthday is not None:
        try:
            day = date.fromisoformat(birthday)
        except ValueError:
            raise ValidationError("birthday", "a date as YYYY-MM-DD") from None
        if day != card.birthday:
            raise ValidationError("birthday", "does not agree with the ID-card number")


def _corrected_by(actor: Staff) -> ColumnElement[bool]:
    """Whose returned applications `actor` corrects: their own; and customer service those no
    staff member submitted (online, by a partner), which would otherwise reach no one."""
    own = col(MemberEvent.staff_id) == actor.id
    if actor.role in REVIEWERS:
        return or_(own, col(MemberEvent.staff_id).is_(None))
    return own


def application_desk(s: Services, uow: UnitOfWork) -> ApplicationDesk:
    from workbench.messaging.notices import StaffNotices as OutboxStaffNotices

    return ApplicationDesk(
        uow=uow,
        clock=s.clock,
        cipher=s.cipher,
        registry=s.registry,
        scheme=s.scheme,
        notify_staff=OutboxStaffNotices(s.outbox),
        review_sla_hours=s.settings.members_review_sla_hours,
    )


__all__ = [
    "ApplicationChanges",
    "ApplicationDesk",
    "ApplicationForm",
    "ApplicationInput",
    "Decision",
    "QueueLine",
    "ReturnedApplication",
    "ReturnedLine",
    "ReviewQueue",
    "Submitted",
    "application_desk",
]
