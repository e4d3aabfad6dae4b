"""A member's consents at the counter or on the hotline: show what holds now for each kind of
third-party sharing and marketing channel with its history, record a consent given or
withdrawn (who, when, how the member gave it). Every record is audited; the member's flags,
which messaging and sharing read, follow in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.members import consent
from workbench.members.consent import MARKETING_CHANNELS, SHARING_KINDS, ConsentKind
from workbench.members.models import Member, Staff
from workbench.members.registry import MemberRegistry
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.member_refs import (
    COUNTER_ROLES,
    MemberLine,
    find_member,
    member_line,
    staff_name,
)

if TYPE_CHECKING:
    from workbench.bootstrap import Services

RECORDERS = COUNTER_ROLES  # whoever serves the member takes down what they say


@dataclass(frozen=True)
class ConsentState:
    kind: str
    sharing: bool  # a kind of third-party sharing (else a marketing channel)
    given: bool
    since: datetime | None  # None: no record yet, what the member's flags said
    method: str | None
    recorded_by: str


@dataclass(frozen=True)
class ConsentLine:
    kind: str
    given: bool
    method: str
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class ConsentSheet:
    member: MemberLine
    states: tuple[ConsentState, ...]  # every kind, sharing first
    history: tuple[ConsentLine, ...]  # newest first, never overwritten


class ConsentDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        audit: AuditLog,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.audit = audit

    def show(self, actor: Staff, member_ref: str) -> ConsentSheet:
        require_role(actor, RECORDERS, "see a member's consents")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, member_ref)
            return self._sheet(session, member)

    def give(self, actor: Staff, member_ref: str, kind: str, how: str) -> ConsentSheet:
        return self._record(actor, member_ref, kind, how, given=True)

    def withdraw(self, actor: Staff, member_ref: str, kind: str, how: str) -> ConsentSheet:
        return self._record(actor, member_ref, kind, how, given=False)

    def _record(
        self, actor: Staff, member_ref: str, kind: str, how: str, *, given: bool
    ) -> ConsentSheet:
        require_role(actor, RECORDERS, "record a member's consent")
        which, method = consent.consent_kind(kind), consent.consent_method(how)
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, member_ref)
            consent.record_consent(
                session,
                member,
                kind=which,
                given=given,
                method=method,
                staff_id=actor.id,
                now=self.clock.now(),
            )
            self.audit.record(
                session,
                action="consent_given" if given else "consent_withdrawn",
                result="allowed",
                actor_id=actor.id,
                member_id=member.id,
                detail={"kind": which.value, "how": method.value},
            )
            return self._sheet(session, member)

    def _sheet(self, session: Session, member: Member) -> ConsentSheet:
        latest = consent.current_consents(session, member)
        states = tuple(
            ConsentState(
                kind=kind.value,
                sharing=kind in SHARING_KINDS,
                given=consent.legacy_state(member, kind) if record is None else record.given,
                since=None if record is None else record.recorded_at,
                method=None if record is None else str(record.method),
                recorded_by="—" if record is None else staff_name(session, record.recorded_by_id),
            )
            for kind in (*SHARING_KINDS, *MARKETING_CHANNELS)
            for record in [latest[kind]]
        )
        history = tuple(
            ConsentLine(
                kind=str(r.kind),
                given=r.given,
                method=str(r.method),
                recorded_at=r.recorded_at,
                recorded_by=staff_name(session, r.recorded_by_id),
            )
            for r in consent.history(session, saved_id(member))
        )
        return ConsentSheet(member_line(self.cipher, member), states, history)


def consent_desk(s: Services, uow: UnitOfWork) -> ConsentDesk:
    return ConsentDesk(uow=uow, clock=s.clock, cipher=s.cipher, registry=s.registry, audit=s.audit)


__all__ = ["ConsentDesk", "ConsentKind", "ConsentSheet", "consent_desk"]
