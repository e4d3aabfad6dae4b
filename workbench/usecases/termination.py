"""Ending a membership as the policy writes it (seed 002 §七, issue 22 item 8).

Four reasons: the member's own wish (voluntary), demotion or inactivity, a violation, a change
of business. Who may do what:
- **Record a member's request to leave** (voluntary only), and **its withdrawal** before the
  date it takes effect: everyone at a counter or on the hotline (agents, sales, store managers,
  supervisors, administrators), since the member asks whoever they reach.
- **Give notice** (any reason; sent to the member by SMS and e-mail with the reason and the
  date), **terminate a voluntary request at once**, **list pending terminations** and **run
  the due terminations by hand**: supervisors and administrators only.
- At the end of the notice period the scheduler's job (`run_due(None)`) terminates: points and
  stored goods settled, personal data erased (`MemberRegistry.terminate`). Each member is its
  own transaction, so a failure leaves the others done; a case withdrawn meanwhile is skipped.

Every store's staff act on their own store's members, the hotline and head office on all
(`member_refs.find_member`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.audit.chain import AuditLog
from workbench.clock import Clock, as_utc
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.members.models import Member, MemberStatus, Role, Staff
from workbench.members.registry import MemberRegistry, TerminationReason
from workbench.members.terminations import (
    CaseStatus,
    TerminationCase,
    Terminations,
    reason_of,
)
from workbench.permissions.access import serves_all_stores
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

log = logging.getLogger(__name__)

RECORDERS = COUNTER_ROLES  # record a request, or its withdrawal
DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})  # notice, terminate, the list, run-due
REASONS = tuple(r.value for r in TerminationReason)


@dataclass(frozen=True)
class TerminationLine:
    """A pending (or finished) termination as lists show it: people, never ids."""

    member: MemberLine
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    notice_by: str
    due_at: datetime | None


@dataclass(frozen=True)
class MemberTermination:
    """Where one member's termination stands, and what the actor may do about it."""

    member: MemberLine
    case: TerminationLine | None
    may_request: bool
    may_give_notice: bool
    may_terminate_now: bool
    may_withdraw: bool


@dataclass(frozen=True)
class TerminationDone:
    """A step taken: the case as it now stands, and the messages queued to the member."""

    case: TerminationLine
    messages: int = 0


@dataclass(frozen=True)
class DueRun:
    """What a run of the due terminations did."""

    terminated: tuple[str, ...]  # member numbers
    skipped: int  # withdrawn or done meanwhile
    failed: int  # logged; tried again at the next run


class TerminationDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        terminations: Terminations,
        audit: AuditLog,
        notice_days: int,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.terminations = terminations
        self.audit = audit
        self.notice_days = notice_days

    # One member -------------------------------------------------------------------------------
    def status(self, actor: Staff, reference: str) -> MemberTermination:
        """The member's open termination, if any, and the steps the actor may take."""
        require_role(actor, RECORDERS, "look at a member's termination")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, reference)
            case = self.terminations.open_case(session, saved_id(member))
            active = member.status == MemberStatus.ACTIVE
            deciding = actor.role in DECIDERS
            voluntary = case is not None and case.reason == TerminationReason.VOLUNTARY.value
            return MemberTermination(
                member=member_line(self.cipher, member),
                case=self._line(session, case, member) if case else None,
                may_request=active and case is None,
                may_give_notice=active
                and deciding
                and (case is None or case.status == CaseStatus.REQUESTED),
                may_terminate_now=active and deciding and voluntary,
                may_withdraw=active and voluntary and not self._past_due(case),
            )

    def request(
        self, actor: Staff, reference: str, *, reason: str = "voluntary", note: str = ""
    ) -> TerminationDone:
        """Records the member's request to end their membership (voluntary only)."""
        require_role(actor, RECORDERS, "record a member's request to leave")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            case = self.terminations.request(
                session, member=member, reason=reason, note=note, actor=actor
            )
            self._audit(session, "termination_request", actor, member, case)
            return TerminationDone(self._line(session, case, member))

    def give_notice(self, actor: Staff, reference: str, *, reason: str) -> TerminationDone:
        """Gives notice of the termination, sent to the member with the reason and the date
        (`[members] termination_notice_days` from now)."""
        require_role(actor, DECIDERS, "give notice of a termination")
        reason_of(reason)
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            case, queued = self.terminations.give_notice(
                session, member=member, reason=reason, actor=actor
            )
            self._audit(session, "termination_notice", actor, member, case)
            return TerminationDone(self._line(session, case, member), queued)

    def terminate_now(self, actor: Staff, reference: str) -> TerminationDone:
        """Ends, today, a membership the member asked to end: points and stored goods settled,
        personal data erased. Cannot be undone."""
        require_role(actor, DECIDERS, "terminate a membership")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            line = member_line(self.cipher, member)  # before the erasure takes the name
            case = self.terminations.terminate_now(session, member=member, actor=actor)
            self._audit(session, "termination", actor, member, case)
            return TerminationDone(self._line(session, case, member, shown_as=line))

    def withdraw(self, actor: Staff, reference: str) -> TerminationDone:
        """The member withdraws their voluntary request, before the date it takes effect."""
        require_role(actor, RECORDERS, "record the withdrawal of a request to leave")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, reference)
            case = self.terminations.withdraw(session, member=member, actor=actor)
            self._audit(session, "termination_withdrawal", actor, member, case)
            return TerminationDone(self._line(session, case, member))

    # All members ------------------------------------------------------------------------------
    def pending(self, actor: Staff) -> list[TerminationLine]:
        """Requests and notices not yet done, soonest due first; a store's supervisor sees their
        store's members only."""
        require_role(actor, DECIDERS, "list pending terminations")
        with self.uow.read() as session:
            store_id = None if serves_all_stores(session, actor) else actor.store_id
            rows = self.terminations.pending(session, store_id=store_id)
            return [self._line(session, case, member) for case, member in rows]

    def run_due(self, actor: Staff | None, *, batch_size: int = 100) -> DueRun:
        """Terminates every member whose notice period has ended, one transaction each, in
        batches. `actor` None: the scheduled job; by hand, a supervisor or administrator.
        Safe to run again, or beside another run: each case is looked at again under the
        member's lock."""
        if actor is not None:
            require_role(actor, DECIDERS, "run the due terminations")
        done: list[str] = []
        skipped = failed = last = 0
        while True:
            with self.uow.read() as session:
                ids = self.terminations.due_case_ids(session, after_id=last, limit=batch_size)
            if not ids:
                return DueRun(tuple(done), skipped, failed)
            for case_id in ids:
                last = case_id
                try:
                    member_no = self._complete(case_id, actor)
                except Exception:  # logged (without personal data); the next run tries again
                    log.exception("termination case %d could not be completed", case_id)
                    failed += 1
                    continue
                if member_no is None:
                    skipped += 1
                else:
                    done.append(member_no)

    def _complete(self, case_id: int, actor: Staff | None) -> str | None:
        with self.uow.write() as session:
            case = self.terminations.complete_due(session, case_id, actor=actor)
            if case is None:
                return None
            member = session.get(Member, case.member_id)
            assert member is not None
            self._audit(session, "termination", actor, member, case)
            return member.member_no

    # Helpers ----------------------------------------------------------------------------------
    def _past_due(self, case: TerminationCase | None) -> bool:
        return (
            case is not None and case.due_at is not None and as_utc(case.due_at) <= self.clock.now()
        )

    def _line(
        self,
        session: Session,
        case: TerminationCase,
        member: Member,
        shown_as: MemberLine | None = None,
    ) -> TerminationLine:
        return TerminationLine(
            member=shown_as or member_line(self.cipher, member),
            reason=case.reason,
            status=str(case.status),
            requested_by=staff_name(session, case.requested_by_id),
            requested_at=as_utc(case.requested_at),
            notice_by=staff_name(session, case.notice_by_id),
            due_at=as_utc(case.due_at) if case.due_at else None,
        )

    def _audit(
        self,
        session: Session,
        action: str,
        actor: Staff | None,
        member: Member,
        case: TerminationCase,
    ) -> None:
        self.audit.record(
            session,
            action=action,
            result="ok",
            actor_id=actor.id if actor else None,
            member_id=member.id,
            detail={
                "case": case.id,
                "reason": case.reason,
                "status": str(case.status),
                "due": as_utc(case.due_at).isoformat() if case.due_at else None,
            },
        )


def termination_desk(s: Services, uow: UnitOfWork) -> TerminationDesk:
    return TerminationDesk(
        uow=uow,
        clock=s.clock,
        cipher=s.cipher,
        registry=s.registry,
        terminations=Terminations(
            clock=s.clock,
            cipher=s.cipher,
            registry=s.registry,
            notify=s.registry.notify,
            zone=s.settings.timezone,
        ),
        audit=s.audit,
        notice_days=s.settings.members_termination_notice_days,
    )
