"""Termination cases (seed 002 §七): a member's voluntary request recorded by staff, the notice
given by a supervisor (sent to the member with the reason and the date it takes effect), the
member withdrawing a voluntary request before that date, and the termination itself when the
notice period ends (`MemberRegistry.terminate`: points and stored goods settled, personal data
erased).

A member has at most one open case (requested or notice given): every step locks the member's
row first (FOR UPDATE on PostgreSQL; SQLite's write transaction already holds the lock), so two
desks acting on one member take turns. The member row keeps `termination_reason` and
`termination_due_at` as the registry sets them; the case adds who asked, who gave notice and
what became of it. Service methods take the session; the caller commits.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Index, String, select, update
from sqlmodel import Field, Session, SQLModel, col

from workbench.clock import Clock, as_utc
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.db.types import encrypted_column, utc_column
from workbench.errors import InvalidState, ValidationError
from workbench.masking.text import refuse_unsafe
from workbench.members.models import Member, MemberEvent, MemberStatus, Staff, Store
from workbench.members.ports import MemberNotices
from workbench.members.registry import MemberRegistry, TerminationReason

NOTE_FIELD = "termination.note"
NOTE_MAX = 300


class CaseStatus(StrEnum):
    REQUESTED = "requested"  # the member asked (voluntary); no notice yet
    NOTICE_GIVEN = "notice_given"  # notice sent; takes effect at due_at
    WITHDRAWN = "withdrawn"  # the member withdrew their request before the date
    TERMINATED = "terminated"


OPEN = (CaseStatus.REQUESTED.value, CaseStatus.NOTICE_GIVEN.value)


class TerminationCase(SQLModel, table=True):
    __tablename__ = "termination_case"
    __table_args__ = (
        # The pending list and the job's due cases read this index.
        Index("ix_termination_case_status_due", "status", "due_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    reason: str = Field(sa_column=Column(String(32), nullable=False))
    status: CaseStatus = Field(sa_column=Column(String(16), nullable=False))
    # What the member said, as staff wrote it down: free text about a person, so encrypted,
    # and erased with the member.
    note_enc: str | None = Field(default=None, sa_column=encrypted_column(NOTE_FIELD))
    requested_by_id: int | None = Field(default=None, foreign_key="staff.id")
    requested_at: datetime = Field(sa_column=utc_column(nullable=False))
    notice_by_id: int | None = Field(default=None, foreign_key="staff.id")
    notice_at: datetime | None = Field(default=None, sa_column=utc_column())
    due_at: datetime | None = Field(default=None, sa_column=utc_column())
    withdrawn_by_id: int | None = Field(default=None, foreign_key="staff.id")
    withdrawn_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())


def reason_of(reason: TerminationReason | str) -> TerminationReason:
    try:
        return TerminationReason(reason)
    except ValueError:
        allowed = ", ".join(r.value for r in TerminationReason)
        raise ValidationError("reason", f"one of {allowed}") from None


class Terminations:
    def __init__(
        self,
        *,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        notify: MemberNotices,
        zone: ZoneInfo,
    ) -> None:
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.notify = notify
        self.zone = zone  # the due date in notices: the store's zone, else this one

    def open_case(self, session: Session, member_id: int) -> TerminationCase | None:
        return session.scalar(
            select(TerminationCase).where(
                col(TerminationCase.member_id) == member_id, col(TerminationCase.status).in_(OPEN)
            )
        )

    def request(
        self, session: Session, *, member: Member, reason: str, note: str, actor: Staff
    ) -> TerminationCase:
        """Records the member's own request to leave. Only a voluntary termination is asked
        for: the others are the company's decision and start with a supervisor's notice."""
        if reason_of(reason) != TerminationReason.VOLUNTARY:
            raise ValidationError(
                "reason",
                "a member can only ask for a voluntary termination; a supervisor "
                "gives notice of the others",
            )
        note = _checked_note(note)
        self._lock_active(session, member)
        existing = self.open_case(session, saved_id(member))
        if existing is not None:
            raise InvalidState(self._already_open(session, member, existing))
        now = self.clock.now()
        case = TerminationCase(
            member_id=saved_id(member),
            reason=TerminationReason.VOLUNTARY.value,
            status=CaseStatus.REQUESTED,
            note_enc=self.cipher.encrypt(NOTE_FIELD, note) if note else None,
            requested_by_id=actor.id,
            requested_at=now,
        )
        session.add(case)
        session.flush()
        _event(session, member, "termination_requested", actor, now)
        return case

    def give_notice(
        self, session: Session, *, member: Member, reason: str, actor: Staff
    ) -> tuple[TerminationCase, int]:
        """Gives notice (the member's own request, or the company's decision) and sends it to
        the member by SMS and e-mail: the reason and the date it takes effect. Returns the
        case and how many messages were queued (none where the member has no contact left or
        opted out of every channel)."""
        why = reason_of(reason)
        self._lock_active(session, member)
        case = self.open_case(session, saved_id(member))
        if case is not None and case.status == CaseStatus.NOTICE_GIVEN:
            raise InvalidState(self._already_open(session, member, case))
        now = self.clock.now()
        if case is None:
            case = TerminationCase(
                member_id=saved_id(member),
                reason=why.value,
                status=CaseStatus.REQUESTED,
                requested_by_id=actor.id,
                requested_at=now,
            )
            session.add(case)
        self.registry.give_termination_notice(
            session, member_no=member.member_no, reason=why, actor=actor
        )
        assert member.termination_due_at is not None  # the registry has just set it
        case.reason = why.value
        case.status = CaseStatus.NOTICE_GIVEN
        case.notice_by_id = actor.id
        case.notice_at = now
        case.due_at = member.termination_due_at
        session.flush()
        queued = self.notify(
            session,
            member,
            "termination_notice",
            extra={"reason": why.value, "when": self.local_date(session, member, case.due_at)},
        )
        return case, queued

    def terminate_now(self, session: Session, *, member: Member, actor: Staff) -> TerminationCase:
        """Ends a membership the member asked to end, today, without waiting for the notice
        period: only on their recorded voluntary request."""
        self._lock_active(session, member)
        case = self.open_case(session, saved_id(member))
        if case is None or case.reason != TerminationReason.VOLUNTARY.value:
            raise InvalidState(
                f"member {member.member_no} has no voluntary request on record: record the "
                "member's request first, or give notice"
            )
        return self._terminate(session, case, member, actor)

    def withdraw(self, session: Session, *, member: Member, actor: Staff) -> TerminationCase:
        """The member takes back their voluntary request, before the date it takes effect; the
        notice is cleared (and the member told, if notice had been sent)."""
        self._lock_active(session, member)
        case = self.open_case(session, saved_id(member))
        if case is None:
            raise InvalidState(f"member {member.member_no} has no pending termination")
        if case.reason != TerminationReason.VOLUNTARY.value:
            raise InvalidState(
                f"the termination of {member.member_no} is the company's decision "
                f"({case.reason}), not the member's request: it cannot be withdrawn"
            )
        now = self.clock.now()
        if case.due_at is not None and now >= as_utc(case.due_at):
            raise InvalidState(
                f"the termination of {member.member_no} took effect on "
                f"{self.local_date(session, member, case.due_at)}: it can no longer be withdrawn"
            )
        noticed = case.status == CaseStatus.NOTICE_GIVEN
        case.status = CaseStatus.WITHDRAWN
        case.withdrawn_by_id = actor.id
        case.withdrawn_at = now
        case.closed_at = now
        member.termination_reason = None
        member.termination_due_at = None
        _event(session, member, "termination_withdrawn", actor, now)
        session.flush()
        if noticed:
            self.notify(session, member, "termination_withdrawn", extra={})
        return case

    def due_case_ids(self, session: Session, *, after_id: int, limit: int) -> list[int]:
        """Cases whose notice period has ended, in id order after `after_id`."""
        return list(
            session.scalars(
                select(col(TerminationCase.id))
                .where(
                    col(TerminationCase.status) == CaseStatus.NOTICE_GIVEN.value,
                    col(TerminationCase.due_at) <= self.clock.now(),
                    col(TerminationCase.id) > after_id,
                )
                .order_by(col(TerminationCase.id))
                .limit(limit)
            )
        )

    def complete_due(
        self, session: Session, case_id: int, *, actor: Staff | None
    ) -> TerminationCase | None:
        """Terminates the member of a case whose notice period has ended. Looked at again under
        the member's lock: a case withdrawn, or already done, meanwhile is left alone (None),
        so the job may run again, or twice at once, without harm."""
        case = session.get(TerminationCase, case_id)
        if case is None:
            return None
        member = self._lock(session, case.member_id)
        session.refresh(case)
        if case.status != CaseStatus.NOTICE_GIVEN or case.due_at is None:
            return None
        if as_utc(case.due_at) > self.clock.now():
            return None
        if member.status == MemberStatus.TERMINATED:  # ended another way meanwhile
            case.status = CaseStatus.TERMINATED
            case.closed_at = self.clock.now()
            return case
        return self._terminate(session, case, member, actor)

    def pending(
        self, session: Session, *, store_id: int | None
    ) -> list[tuple[TerminationCase, Member]]:
        """Open cases, those due soonest first (requests without notice last); one store's
        members only when `store_id` is given."""
        query = (
            select(TerminationCase, Member)
            .join(Member, col(Member.id) == col(TerminationCase.member_id))
            .where(col(TerminationCase.status).in_(OPEN))
        )
        if store_id is not None:
            query = query.where(col(Member.store_id) == store_id)
        rows = session.execute(
            query.order_by(
                col(TerminationCase.due_at).is_(None),
                col(TerminationCase.due_at),
                col(TerminationCase.id),
            )
        ).all()
        return [(row[0], row[1]) for row in rows]

    def local_date(self, session: Session, member: Member, at: datetime) -> str:
        store = session.get(Store, member.store_id)
        zone = ZoneInfo(store.timezone) if store and store.timezone else self.zone
        return as_utc(at).astimezone(zone).strftime("%Y-%m-%d")

    # Helpers --------------------------------------------------------------------------------
    def _already_open(self, session: Session, member: Member, case: TerminationCase) -> str:
        if case.status == CaseStatus.NOTICE_GIVEN and case.due_at is not None:
            return (
                f"member {member.member_no} has already been given notice ({case.reason}), "
                f"effective {self.local_date(session, member, case.due_at)}"
            )
        return f"member {member.member_no} has already asked to end the membership"

    def _terminate(
        self, session: Session, case: TerminationCase, member: Member, actor: Staff | None
    ) -> TerminationCase:
        self.registry.terminate(
            session, member_no=member.member_no, reason=case.reason, actor=actor
        )
        # The registry's erasure closed the case and cleared its note (see the eraser below).
        case.status = CaseStatus.TERMINATED
        case.closed_at = case.closed_at or self.clock.now()
        return case

    def _lock(self, session: Session, member_id: int) -> Member:
        session.execute(select(col(Member.id)).where(col(Member.id) == member_id).with_for_update())
        member = session.get(Member, member_id)
        assert member is not None  # a case's member is never deleted
        session.refresh(member)
        return member

    def _lock_active(self, session: Session, member: Member) -> None:
        self._lock(session, saved_id(member))
        if member.status != MemberStatus.ACTIVE:
            raise InvalidState(
                f"member {member.member_no} is {member.status.value}; only an active "
                "membership can be terminated"
            )


def erase_member_terminations(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    """At termination (however it came about) the member's open case is closed and what staff
    noted of what the member said is erased; who acted and when stays."""
    session.execute(
        update(TerminationCase)
        .where(col(TerminationCase.member_id) == member.id, col(TerminationCase.status).in_(OPEN))
        .values(status=CaseStatus.TERMINATED.value, closed_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(TerminationCase)
        .where(col(TerminationCase.member_id) == member.id)
        .values(note_enc=None)
        .execution_options(synchronize_session="fetch")
    )


def _checked_note(note: str | None) -> str:
    text = refuse_unsafe((note or "").strip(), "note", multiline=True)
    if len(text) > NOTE_MAX:
        raise ValidationError("note", f"at most {NOTE_MAX} characters")
    return text


def _event(session: Session, member: Member, kind: str, actor: Staff, now: datetime) -> None:
    session.add(
        MemberEvent(
            member_id=saved_id(member),
            kind=kind,
            occurred_at=now,
            staff_id=actor.id,
            detail=json.dumps({"reason": TerminationReason.VOLUNTARY.value}),
        )
    )
