"""Changes to a member's personal data: requested by one person (old value masked, new value
encrypted), applied only when a second person approves."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, MemberNotActive, NotFound, ValidationError
from workbench.masking.fields import MASKERS
from workbench.masking.text import refuse_unsafe
from workbench.members.identity import normalise_email, normalise_phone, parse_id_number
from workbench.members.models import Member, MemberStatus, Role, Staff
from workbench.members.registry import PERSONAL_FIELDS, MemberRegistry
from workbench.permissions.access import (
    AccessDenied,
    MemberAccess,
    MemberOutOfReach,
    serves_all_stores,
    standing_scope,
)
from workbench.permissions.models import ChangeRequest, ChangeStatus

APPROVERS = {Role.SUPERVISOR, Role.ADMIN, Role.STORE_MANAGER}


class ChangeRequests:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        registry: MemberRegistry,
        access: MemberAccess,
        audit: AuditLog,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.registry = registry
        self.access = access
        self.audit = audit

    def _checked(self, field: str, raw: str | None) -> str | None:
        """The value as it will be stored, or a ValidationError naming the field."""
        if field in ("name", "email", "address"):
            refuse_unsafe(raw, field)
        if field == "name":
            name = (raw or "").strip()
            if not name or len(name) > 50:
                raise ValidationError("name", "1 to 50 characters")
            return name
        if field == "phone":
            return normalise_phone(raw or "", self.registry.phone_region)
        if field == "id_number":
            return parse_id_number(raw or "").number
        if field == "email":
            return normalise_email(raw)
        if field == "address":
            address = (raw or "").strip() or None
            if address and len(address) > 200:
                raise ValidationError("address", "at most 200 characters")
            return address
        if field == "birthday":
            try:
                return date.fromisoformat((raw or "").strip()).isoformat()
            except ValueError:
                raise ValidationError("birthday", "a date as YYYY-MM-DD") from None
        raise ValidationError("field", f"one of {', '.join(PERSONAL_FIELDS)}")

    def request(
        self, actor: Staff, *, member_no: str, field: str, new_value: str | None, reason: str
    ) -> ChangeRequest:
        value = self._checked(field, new_value)
        refuse_unsafe(reason, "reason", multiline=True)
        with immediate_session(self.sessions) as session:
            try:
                member: Member | None = self.registry.get(session, member_no)
            except NotFound:
                member = None
            basis = self.access.basis(session, actor, member) if member else None
            # The request shows the old value (masked): only for a field the requester may see.
            if member is None or basis is None or field not in basis.fields:
                self.audit.record(
                    session,
                    action="change_request",
                    result="denied",
                    actor_id=actor.id,
                    member_id=member.id if member else None,
                    detail={"field": field},
                )
                session.commit()
                if member is None or basis is None:  # unknown or out of reach: the same words
                    raise MemberOutOfReach(member_no)
                raise AccessDenied(
                    f"{actor.username} may not change the {field} of member {member.member_no}"
                )
            self._refuse_erased(session, actor, member, "change_request", field=field)
            self._refuse_duplicate(session, actor, member, field, value, "change_request")
            old = self.registry.decrypt(member, (field,))[field]
            change = ChangeRequest(
                member_id=saved_id(member),
                field=field,
                old_value_masked=MASKERS[field](old),
                new_value_masked=MASKERS[field](value),
                new_value_enc=self.registry.cipher.encrypt(field, value),
                reason=(reason or "").strip()[:300],
                status=ChangeStatus.PENDING,
                requested_by_id=saved_id(actor),
                requested_at=self.clock.now(),
            )
            session.add(change)
            session.flush()
            self.audit.record(
                session,
                action="change_request",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={"request": change.id, "field": field},
            )
            session.commit()
            return change

    def decide(
        self, actor: Staff, *, request_id: int, approve: bool, note: str = ""
    ) -> ChangeRequest:
        refuse_unsafe(note, "note", multiline=True)
        with immediate_session(self.sessions) as session:
            change = session.get(ChangeRequest, request_id)
            if change is None:
                raise NotFound(f"no change request {request_id}")
            if change.status != ChangeStatus.PENDING:
                raise InvalidState(f"change request {request_id} is already {change.status}")
            member = session.get(Member, change.member_id)
            if member is None:  # members are never deleted: only a damaged database gets here
                raise NotFound(f"no member {change.member_id} for change request {request_id}")
            why = None
            if actor.id == change.requested_by_id:
                why = "a change needs a second person's approval"
            elif actor.role not in APPROVERS:
                why = f"{actor.role} may not approve changes"
            elif actor.store_id != member.store_id and not serves_all_stores(session, actor):
                why = f"a {actor.role} of a branch decides changes for their own store only"
            if why:
                self.audit.record(
                    session,
                    action="change_decision",
                    result="denied",
                    actor_id=actor.id,
                    member_id=member.id,
                    detail={"request": change.id, "why": why},
                )
                session.commit()
                raise AccessDenied(why)
            if approve:
                # Approving would write personal data back onto an erased member.
                self._refuse_erased(session, actor, member, "change_decision", request=change.id)
                value = self.registry.cipher.decrypt(change.field, change.new_value_enc)
                self._refuse_duplicate(
                    session, actor, member, change.field, value, "change_decision"
                )
                self._apply(member, change.field, value)
            change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
            change.decided_by_id = actor.id
            change.decided_at = self.clock.now()
            change.decision_note = (note or "").strip()[:300] or None
            change.new_value_enc = None  # the value now lives on the member, or nowhere
            self.audit.record(
                session,
                action="change_decision",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={"request": change.id, "field": change.field, "approved": approve},
            )
            session.commit()
            return change

    def pending(self, actor: Staff) -> list[ChangeRequest]:
        """Requests waiting for a decision, among the members `actor` may list: a branch never
        sees another branch's members' requests, sales staff see their own customers'."""
        if actor.role == Role.ANALYST or not actor.active:
            raise AccessDenied(f"{actor.username} ({actor.role}) sees aggregates only")
        with self.sessions() as session:
            query = (
                select(ChangeRequest)
                .join(Member, col(Member.id) == col(ChangeRequest.member_id))
                .where(col(ChangeRequest.status) == ChangeStatus.PENDING)
            )
            scope = standing_scope(session, actor)
            if scope is not None:
                query = query.where(scope)
            return list(session.scalars(query.order_by(col(ChangeRequest.id))))

    def _refuse_erased(
        self, session: Session, actor: Staff, member: Member, action: str, **detail: Any
    ) -> None:
        if member.status != MemberStatus.TERMINATED and member.erased_at is None:
            return
        self.audit.record(
            session,
            action=action,
            result="denied",
            actor_id=actor.id,
            member_id=member.id,
            detail={**detail, "why": "member erased"},
        )
        session.commit()
        raise MemberNotActive(
            f"member {member.member_no} is terminated and their personal data erased: "
            "there is nothing to change"
        )

    def _refuse_duplicate(
        self,
        session: Session,
        actor: Staff,
        member: Member,
        field: str,
        value: str | None,
        action: str,
    ) -> None:
        """Another member's phone or ID number: refused without naming them, and audited."""
        if value is None:  # a cleared field (e-mail, address) duplicates nothing
            return
        if field == "phone":
            phone_bidx, id_bidx = self.registry.phone_bidx(value), None
        elif field == "id_number":
            phone_bidx, id_bidx = None, self.registry.id_number_bidx(value)
        else:
            return
        self.registry.refuse_duplicates(
            session, phone_bidx, id_bidx, except_id=member.id, actor=actor, action=action
        )

    def _apply(self, member: Member, field: str, value: str | None) -> None:
        setattr(member, f"{field}_enc", self.registry.cipher.encrypt(field, value))
        if value is None:  # only e-mail and address can be cleared; nothing follows from them
            return
        if field == "phone":
            member.phone_bidx = self.registry.phone_bidx(value)
        elif field == "id_number":
            self.registry.write_id_number_derived(member, value)
        elif field == "birthday":
            member.birth_month_day = value[5:7] + value[8:10]
