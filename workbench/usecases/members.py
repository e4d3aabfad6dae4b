"""What staff do with one member's record: find it by exact phone or card number, read it (masked
through the access layer) with its service data and history, reveal a field for a reason, report
the card lost, schedule a callback, and ask for (or decide) a change to the member's data. Also
the registry-wide work: member counts, the masked export and erasing terminated members."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.callbacks.service import CallbackService
from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.members.models import Staff, Store, StoreKind
from workbench.members.points import PointsLedger
from workbench.members.registry import MemberRegistry
from workbench.members.tiers import TierScheme
from workbench.messaging.outbox import Outbox
from workbench.permissions.access import FieldView, MemberAccess, MemberView, Purpose
from workbench.permissions.changes import ChangeRequests
from workbench.permissions.models import ChangeRequest
from workbench.permissions.sharing import DataSharing, Export, GroupCount
from workbench.usecases.base import UnitOfWork
from workbench.usecases.callbacks import schedule_in_reach
from workbench.usecases.member_refs import NOBODY, member_label, staff_name
from workbench.views.history import MemberHistory, member_history
from workbench.views.profile import MemberProfile, member_profile

if TYPE_CHECKING:
    from workbench.bootstrap import Services


@dataclass(frozen=True)
class MemberRecord:
    """What the profile screen shows below the fields: service data and history."""

    profile: MemberProfile
    history: MemberHistory


@dataclass(frozen=True)
class ChangeLine:
    """A change request as staff see it: the values masked, never the new value itself."""

    id: int
    member_id: int
    field: str
    old_value_masked: str | None
    new_value_masked: str | None
    reason: str
    status: str
    requested_at: datetime
    member: str = NOBODY  # number and masked name, as lists show a member
    requested_by: str = NOBODY  # the staff member's name


@dataclass(frozen=True)
class StoreOption:
    code: str
    name: str


@dataclass(frozen=True)
class StoreChoices:
    """The stores a new member may join, and the registering agent's own (None: headquarters
    or no store)."""

    stores: tuple[StoreOption, ...]
    own: str | None


def _change_line(change: ChangeRequest) -> ChangeLine:
    return ChangeLine(
        id=saved_id(change),
        member_id=change.member_id,
        field=change.field,
        old_value_masked=change.old_value_masked,
        new_value_masked=change.new_value_masked,
        reason=change.reason,
        status=str(change.status),
        requested_at=change.requested_at,
    )


class MemberDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        access: MemberAccess,
        registry: MemberRegistry,
        ledger: PointsLedger,
        outbox: Outbox,
        scheme: TierScheme,
        sharing: DataSharing,
        changes: ChangeRequests,
        callbacks: CallbackService,
        language: str,
        expiring_days: int,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.access = access
        self.registry = registry
        self.ledger = ledger
        self.outbox = outbox
        self.scheme = scheme
        self.sharing = sharing
        self.changes = changes
        self.callbacks = callbacks
        self.language = language
        self.expiring_days = expiring_days  # "points expiring soon" on the profile

    # Finding and reading (the access layer audits each read in its own transaction) ------------
    def find_by_phone(
        self, actor: Staff, phone: str, purpose: Purpose | str = Purpose.SERVICE
    ) -> MemberView | None:
        """Exact search; a member out of scope is reported as not found (None)."""
        return self.access.lookup_by_phone(actor, phone, purpose)

    def find_by_card(
        self, actor: Staff, card_no: str, purpose: Purpose | str = Purpose.SERVICE
    ) -> MemberView | None:
        """Exact search by a card number, old cards too."""
        return self.access.lookup_by_card(actor, card_no, purpose)

    def view(
        self, actor: Staff, member_no: str, purpose: Purpose | str = Purpose.SERVICE
    ) -> MemberView:
        return self.access.view(actor, member_no, purpose)

    def view_by_id(
        self, actor: Staff, member_id: int, purpose: Purpose | str = Purpose.SERVICE
    ) -> MemberView:
        return self.access.view_by_id(actor, member_id, purpose)

    def profile(self, actor: Staff, view: MemberView) -> MemberProfile:
        """Service data (store, tier, card, points, purchases, messages) of a member the access
        layer let `actor` see: `view` is that permission."""
        with self.uow.read() as session:
            return self._profile(session, view)

    def record(self, actor: Staff, view: MemberView) -> MemberRecord:
        """The profile's service data and history, read in one transaction."""
        with self.uow.read() as session:
            return MemberRecord(self._profile(session, view), member_history(session, view))

    def reveal(
        self, actor: Staff, member_no: str, field: str, purpose: str, note: str = ""
    ) -> FieldView:
        """One field unmasked for a few minutes, for a configured purpose and an optional note
        (audited); beyond the hour's limit, refused until a supervisor approves."""
        return self.access.reveal(actor, member_no, field, purpose, note)

    def reveal_purposes(self) -> tuple[str, ...]:
        """The purposes a reveal is chosen from, as configured."""
        return self.access.purposes.purposes

    def check_reveal_reason(self, purpose: str, note: str = "") -> str:
        """The reason as it would be recorded, or the ValidationError a reveal would raise (a
        form checks before it closes)."""
        return self.access.purposes.reason(purpose, note).text

    # Acting on the member ------------------------------------------------------------------------
    def schedule_callback(self, actor: Staff, member_id: int, reason: str, days: int) -> int:
        """A callback task for the member, callable from now for `days` days; the task's id.
        Refused for a member who asked not to be called or already has one for the reason; and,
        as the callback desk refuses it (`schedule_in_reach`), for a member the actor may not
        read now, in the same words whether or not the member exists (audited)."""
        with self.uow.write() as session:
            return schedule_in_reach(
                session,
                self.access,
                self.callbacks,
                actor,
                member_id,
                reason,
                latest_at=self.clock.now() + timedelta(days=days),
            )

    # Change requests (each one transaction of ChangeRequests) -----------------------------------
    def request_change(
        self, actor: Staff, member_no: str, field: str, value: str | None, reason: str
    ) -> ChangeLine:
        """Asks for a change to a field the actor may see; a second person decides."""
        change = self.changes.request(
            actor, member_no=member_no, field=field, new_value=value, reason=reason
        )
        return _change_line(change)

    def decide_change(
        self, actor: Staff, request_id: int, *, approve: bool, note: str = ""
    ) -> ChangeLine:
        change = self.changes.decide(actor, request_id=request_id, approve=approve, note=note)
        return _change_line(change)

    def pending_changes(self, actor: Staff) -> list[ChangeLine]:
        """The requests waiting for a decision among the members the actor may list."""
        pending = self.changes.pending(actor)
        with self.uow.read() as session:  # who and for whom, as the list shows them
            return [
                replace(
                    _change_line(change),
                    member=member_label(session, self.registry.cipher, change.member_id),
                    requested_by=staff_name(session, change.requested_by_id),
                )
                for change in pending
            ]

    # The registry as a whole ---------------------------------------------------------------------
    def counts(self, actor: Staff, *, by_store: bool, by_tier: bool) -> list[GroupCount]:
        """Active members by store and/or tier, small groups hidden (audited)."""
        return self.sharing.member_counts(actor, by_store=by_store, by_tier=by_tier)

    def export(self, actor: Staff, *, store_code: str | None = None) -> Export:
        """A masked member list as CSV, for the roles allowed to export (audited)."""
        return self.sharing.export_members(actor, store_code=store_code)

    def erase_terminated(self, actor: Staff, *, batch_size: int = 500) -> int:
        """Erases what every package still holds of terminated members (administrators), one
        transaction per batch, so a stopped run keeps what it did; how many members."""
        done, last = 0, 0
        while True:
            with self.uow.write() as session:
                ids = self.registry.erase_terminated(
                    session, actor=actor, after_id=last, limit=batch_size
                )
            if not ids:
                return done
            done, last = done + len(ids), ids[-1]

    def store_choices(self, actor: Staff) -> StoreChoices:
        """The stores a caller may be registered to (no headquarters), for the register form."""
        with self.uow.read() as session:
            rows = session.execute(
                select(col(Store.id), col(Store.code), col(Store.name))
                .where(col(Store.kind) != StoreKind.HEADQUARTERS)
                .order_by(col(Store.code))
            ).all()
            own = next((code for id_, code, _ in rows if id_ == actor.store_id), None)
            return StoreChoices(tuple(StoreOption(code, name) for _, code, name in rows), own)

    def _profile(self, session: Session, view: MemberView) -> MemberProfile:
        return member_profile(
            session,
            view,
            registry=self.registry,
            ledger=self.ledger,
            outbox=self.outbox,
            scheme=self.scheme,
            language=self.language,
            expiring_days=self.expiring_days,
        )


def member_desk(s: Services, uow: UnitOfWork) -> MemberDesk:
    return MemberDesk(
        uow=uow,
        clock=s.clock,
        access=s.access,
        registry=s.registry,
        ledger=s.ledger,
        outbox=s.outbox,
        scheme=s.scheme,
        sharing=s.sharing,
        changes=s.changes,
        callbacks=s.callbacks,
        language=s.settings.locale_language,
        expiring_days=s.settings.members_expiry_reminder_days,
    )
