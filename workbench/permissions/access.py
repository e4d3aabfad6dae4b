"""The access layer: every read of a member's personal data passes through here, whoever asks
(TUI, CLI, webhook, export). It decides the scope, applies grants and reveals, masks by default,
and writes the audit entry before it returns anything.

Scopes:
- sales staff: their own customers; store managers: their own store;
- agents and supervisors: a member they serve: an exact search by phone or card (which opens a
  short LOOKUP grant), or any live AccessGrant (callback, call, ticket, manual);
- department heads and administrators: live grants only; analysts: aggregates only, never rows;
- staff of a branch never see another branch's members, whatever the grant.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NoReturn, cast

from sqlalchemy import ColumnElement, bindparam, literal, null, or_, select, true, union_all
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import NotFound, PermissionDenied, ValidationError
from workbench.masking.fields import MASKERS
from workbench.masking.text import refuse_unsafe
from workbench.members.identity import normalise_phone
from workbench.members.models import Member, Role, Staff, Store, StoreKind
from workbench.members.registry import PERSONAL_FIELDS, MemberRegistry, MemberRow
from workbench.permissions.limits import AccessLimits, LimitedAction
from workbench.permissions.models import AccessGrant, GrantSource, Reveal
from workbench.permissions.reasons import RevealPurposes

log = logging.getLogger(__name__)


_GRANT: Any = AccessGrant.__table__.c  # type: ignore[attr-defined]


def _live_grant(grant: Any, staff: Any, member: Any, now: Any) -> list[ColumnElement[bool]]:
    """A grant of `staff` to `member` is live at `now`: started, not ended, not revoked."""
    return [
        grant.staff_id == staff,
        grant.member_id == member,
        grant.starts_at <= now,
        grant.ends_at > now,
        grant.revoked_at.is_(None),
    ]


def _scope_rows(member: Any) -> Any:
    """What decides an audited read besides the member's row, in one statement: the actor's
    live grants to the member ("grant", id, fields, ends_at), their live reveals ("reveal",
    -, field, until) and their store's kind ("store", id, kind, -)."""
    grant = _GRANT
    reveal = Reveal.__table__.c  # type: ignore[attr-defined]
    store = Store.__table__.c  # type: ignore[attr-defined]
    staff: Any = bindparam("staff_id")
    now: Any = bindparam("now")
    return union_all(
        select(
            literal("grant").label("kind"),
            grant.id.label("ref"),
            grant.fields.label("value"),
            grant.ends_at.label("until"),
        ).where(*_live_grant(grant, staff, member, now)),
        select(literal("reveal"), null(), reveal.field, reveal.until).where(
            reveal.staff_id == staff,
            reveal.member_id == member,
            reveal.since <= now,
            reveal.until > now,
        ),
        select(literal("store"), store.id, store.kind, null()).where(
            store.id == bindparam("store_id")
        ),
    )


# A member's columns an audited read uses (MemberRow's, and the ciphertexts).
_VIEW_COLUMNS = (
    "id",
    "member_no",
    "status",
    "store_id",
    "sales_staff_id",
    "tier_code",
    "joined_at",
    "consent_marketing",
    "consent_third_party",
    *(f"{name}_enc" for name in PERSONAL_FIELDS),
)


def _member_with_scope(key: Any) -> Any:
    """The member's row (`key`: its number or id column) with the scope rows beside it: a row
    per scope row, or one with none; no row when there is no such member. An audited read's
    reads in one statement (one round trip to PostgreSQL)."""
    member = Member.__table__  # type: ignore[attr-defined]
    wanted = key == bindparam("member")
    member_id = (
        select(member.c.id).where(wanted).scalar_subquery()
        if key is not member.c.id
        else bindparam("member")
    )
    scope = _scope_rows(member_id).subquery("scope")
    return (
        select(
            *(member.c[name] for name in _VIEW_COLUMNS),  # no more: each is decoded per read
            scope.c.kind.label("scope_kind"),
            scope.c.ref.label("scope_ref"),
            scope.c.value.label("scope_value"),
            scope.c.until.label("scope_until"),
        )
        .select_from(member.outerjoin(scope, true()))
        .where(wanted)
    )


# Built once: SQLAlchemy then finds their compiled SQL by a key kept on the statement.
_SCOPE_ROWS = _scope_rows(bindparam("member_id"))
_MEMBER_BY_NUMBER = _member_with_scope(Member.__table__.c.member_no)  # type: ignore[attr-defined]
_MEMBER_BY_ID = _member_with_scope(Member.__table__.c.id)  # type: ignore[attr-defined]
ALL_FIELDS = frozenset(PERSONAL_FIELDS)
SERVING_ROLES = {Role.AGENT, Role.SUPERVISOR}  # may open a member by exact search


class AccessDenied(PermissionDenied):
    pass


class MemberOutOfReach(AccessDenied, NotFound):
    """No member answers to the reference, or none the actor may see: one message for both, so
    a refusal never tells whether the member exists (and either `except` catches it)."""

    def __init__(self, reference: str | int) -> None:
        # A member number or card as given; an internal id (a screen's) is not worth showing.
        shown = f"member {reference.strip().upper()!r}" if isinstance(reference, str) else "it"
        super().__init__(f"you may not see {shown}, or there is no such member")
        self.reference = reference


def serves_all_stores(session: Session, staff: Staff) -> bool:
    """Head-office staff (or staff of no store) serve every store's members; branch staff only
    their own store's."""
    if staff.store_id is None:
        return True
    store = session.get(Store, staff.store_id)
    return store is not None and store.kind == StoreKind.HEADQUARTERS


def serves_member(session: Session, staff: Staff, member: Member) -> bool:
    """The staff member's store serves the member: their own store, or head office (and staff
    of no store) every store's. A branch never serves another branch's members."""
    return staff.store_id == member.store_id or serves_all_stores(session, staff)


def standing_scope(session: Session, staff: Staff) -> ColumnElement[bool] | None:
    """The members a list made for `staff` may cover, as a WHERE clause on Member, or None for
    every member: sales staff their own customers, branch staff their own store, head office
    every store. Callers refuse analysts (aggregates only) themselves."""
    if staff.role == Role.SALES:
        return col(Member.sales_staff_id) == staff.id
    if not serves_all_stores(session, staff):
        return col(Member.store_id) == staff.store_id
    return None


class Purpose(StrEnum):
    SERVICE = "service"  # serving a caller or visitor
    CALLBACK = "callback"
    COMPLAINT = "complaint"
    SALES = "sales"  # a sales person following up their customers
    STORE = "store"  # store management
    CHANGE = "change"
    EXPORT = "export"
    SHARE = "share"


@dataclass(frozen=True)
class FieldView:
    name: str
    value: str | None  # masked unless revealed; None when absent or not covered
    available: bool  # False: the basis of access does not cover this field
    revealed_until: datetime | None = None


@dataclass(frozen=True)
class Basis:
    kind: str  # own_customer, own_store, grant
    fields: frozenset[str]
    until: datetime | None  # None: a standing scope with no end
    grant_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class MemberView:
    """What a staff member may see of a member now. Immutable: re-read to refresh."""

    member_id: int
    member_no: str
    status: str
    store_id: int
    tier_code: str
    joined_at: datetime | None
    consent_marketing: bool
    consent_third_party: bool
    fields: dict[str, FieldView]
    basis: str
    access_until: datetime | None

    def shown(self, name: str) -> str | None:
        return self.fields[name].value


class MemberAccess:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        registry: MemberRegistry,
        audit: AuditLog,
        lookup_minutes: int,
        reveal_minutes: int,
        reveal_roles: set[str],
        id_number_reveal_roles: set[str],
        purposes: RevealPurposes | None = None,  # None: the default purposes
        limits: AccessLimits | None = None,  # None: look-ups and reveals are not limited
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.registry = registry
        self.audit = audit
        self.lookup_window = timedelta(minutes=lookup_minutes)
        self.reveal_window = timedelta(minutes=reveal_minutes)
        self.reveal_roles = set(reveal_roles)
        self.id_number_reveal_roles = set(id_number_reveal_roles)
        self.purposes = purposes or RevealPurposes()
        self.limits = limits

    # Scope -----------------------------------------------------------------------------------
    def basis(self, session: Session, actor: Staff, member: MemberRow) -> Basis | None:
        """Why `actor` may see `member` now, and which fields; None when they may not."""
        return self._scope(session, actor, member)[0]

    def _scope(
        self, session: Session, actor: Staff, member: MemberRow
    ) -> tuple[Basis | None, dict[str, datetime]]:
        """The basis, and the fields revealed to `actor` now (until when): the grants, the
        reveals and the actor's store in one prebuilt statement (each ORM query cost more than
        an audited read's whole floor)."""
        if not actor.active or actor.role == Role.ANALYST:
            return None, {}
        if session.autoflush:  # as an ORM query would: a grant just added is seen
            session.flush()
        rows = session.connection().execute(
            _SCOPE_ROWS, {**self._scope_parameters(actor), "member_id": member.id}
        )
        return self._basis_from(actor, member, list(rows))

    def _read(
        self, session: Session, actor: Staff, reference: str | int
    ) -> tuple[MemberRow | None, Basis | None, dict[str, datetime]]:
        """The member named by `reference` (a number, or an id), the basis and the reveals, in
        one statement."""
        key: str | int = reference.strip().upper() if isinstance(reference, str) else reference
        statement = _MEMBER_BY_NUMBER if isinstance(reference, str) else _MEMBER_BY_ID
        parameters = {**self._scope_parameters(actor), "member": key}
        rows = session.connection().execute(statement, parameters).all()
        if not rows:
            return None, None, {}
        member = cast(MemberRow, rows[0])
        if not actor.active or actor.role == Role.ANALYST:
            return member, None, {}
        scope = [
            (row.scope_kind, row.scope_ref, row.scope_value, row.scope_until)
            for row in rows
            if row.scope_kind is not None
        ]
        return member, *self._basis_from(actor, member, scope)

    def _scope_parameters(self, actor: Staff) -> dict[str, Any]:
        return {"staff_id": saved_id(actor), "store_id": actor.store_id, "now": self.clock.now()}

    @staticmethod
    def _basis_from(
        actor: Staff, member: MemberRow, rows: Collection[Any]
    ) -> tuple[Basis | None, dict[str, datetime]]:
        """The basis and reveals from the scope rows (kind, ref, value, until)."""
        grants: list[tuple[int, str, datetime]] = []
        revealed: dict[str, datetime] = {}
        head_office = False
        for kind, ref, value, until in rows:
            if kind == "grant":
                grants.append((ref, value, until))
            elif kind == "reveal":
                revealed[value] = max(revealed.get(value, until), until)
            else:
                head_office = value == StoreKind.HEADQUARTERS
        # A branch never sees another branch's members; head office (or no store) serves all.
        if actor.store_id is not None and actor.store_id != member.store_id and not head_office:
            return None, {}
        if actor.role == Role.SALES and member.sales_staff_id == actor.id:
            return Basis("own_customer", ALL_FIELDS, None), revealed
        if actor.role == Role.STORE_MANAGER and member.store_id == actor.store_id:
            return Basis("own_store", ALL_FIELDS, None), revealed
        if not grants:
            return None, {}
        fields = frozenset(f for _, names, _ in grants for f in names.split(",") if f)
        until = max(ends_at for _, _, ends_at in grants)
        return Basis("grant", fields, until, tuple(ref for ref, _, _ in grants)), revealed

    def live_grants(self, session: Session, staff_id: int, member_id: int) -> list[AccessGrant]:
        live = _live_grant(_GRANT, staff_id, member_id, self.clock.now())
        return list(session.scalars(select(AccessGrant).where(*live)))

    # Reading ---------------------------------------------------------------------------------
    def view(self, actor: Staff, member_no: str, purpose: Purpose | str) -> MemberView:
        with immediate_session(self.sessions) as session:
            member, *scope = self._read(session, actor, member_no)
            return self._view(session, actor, member, Purpose(purpose), member_no, scope)

    def view_by_id(self, actor: Staff, member_id: int, purpose: Purpose | str) -> MemberView:
        with immediate_session(self.sessions) as session:
            member, *scope = self._read(session, actor, member_id)
            return self._view(session, actor, member, Purpose(purpose), member_id, scope)

    def lookup_by_phone(
        self, actor: Staff, phone: str, purpose: Purpose | str
    ) -> MemberView | None:
        """Exact search. Out-of-scope members are reported as not found (and the refusal is
        audited), so a search cannot tell a branch about another branch's members."""
        e164 = normalise_phone(phone, self.registry.phone_region, mobile_only=False)
        with immediate_session(self.sessions) as session:
            member = session.scalar(
                select(Member).where(col(Member.phone_bidx) == self.registry.phone_bidx(e164))
            )
            return self._lookup(session, actor, member, Purpose(purpose), "phone")

    def lookup_by_card(
        self, actor: Staff, card_no: str, purpose: Purpose | str
    ) -> MemberView | None:
        with immediate_session(self.sessions) as session:
            found = self.registry.find_by_card(session, card_no)
            return self._lookup(
                session, actor, found[0] if found else None, Purpose(purpose), "card"
            )

    def _lookup(
        self, session: Session, actor: Staff, member: Member | None, purpose: Purpose, by: str
    ) -> MemberView | None:
        self._refuse_rows(session, actor, member, purpose, "lookup")
        if self.limits is not None:  # misses count too: probing numbers is what a limit stops
            self.limits.take(session, actor, LimitedAction.LOOKUP)
        if member is None:
            self.audit.record(
                session,
                action="lookup",
                result="not_found",
                actor_id=actor.id,
                purpose=purpose.value,
                detail={"by": by},
            )
            session.commit()
            return None
        if actor.role in SERVING_ROLES and serves_member(session, actor, member):
            now = self.clock.now()
            self._add_grant(
                session,
                staff_id=actor.id,
                member_id=member.id,
                fields=ALL_FIELDS,
                source=GrantSource.LOOKUP,
                source_ref=by,
                starts_at=now,
                ends_at=now + self.lookup_window,
                created_by_id=actor.id,
                reason=f"search by {by}",
            )
            session.flush()
        if self.basis(session, actor, member) is None:
            self.audit.record(
                session,
                action="lookup",
                result="denied",
                actor_id=actor.id,
                member_id=member.id,
                purpose=purpose.value,
                detail={"by": by},
            )
            session.commit()
            return None
        return self._view(session, actor, member, purpose)

    def _view(
        self,
        session: Session,
        actor: Staff,
        member: MemberRow | None,
        purpose: Purpose,
        reference: str | int = "",
        scope: Sequence[Any] | None = None,
    ) -> MemberView:
        """`reference`: what the person named the member by, for a refusal that reads the same
        whether the member exists or not; `scope`: the basis and reveals, if already read."""
        self._refuse_rows(session, actor, member, purpose, "view")
        if scope is None:
            scope = self._scope(session, actor, member) if member else (None, {})
        basis, revealed = scope
        if member is None or basis is None:
            self._deny(session, actor, member, purpose, "view", "not in scope", reach=reference)
        clear = self.registry.decrypt(
            member, tuple(f for f in PERSONAL_FIELDS if f in basis.fields)
        )
        fields = {}
        for name in PERSONAL_FIELDS:
            if name not in basis.fields:
                fields[name] = FieldView(name, None, available=False)
            elif name in revealed:
                fields[name] = FieldView(name, clear[name], True, revealed[name])
            else:
                fields[name] = FieldView(name, MASKERS[name](clear[name]), True)
        self.audit.record(
            session,
            action="view",
            result="allowed",
            actor_id=actor.id,
            member_id=member.id,
            purpose=purpose.value,
            detail={
                "basis": basis.kind,
                "grants": list(basis.grant_ids),
                "clear": sorted(revealed),
            },
        )
        session.commit()
        return MemberView(
            member_id=saved_id(member),
            member_no=member.member_no,
            status=str(member.status),
            store_id=member.store_id,
            tier_code=member.tier_code,
            joined_at=member.joined_at,
            consent_marketing=member.consent_marketing,
            consent_third_party=member.consent_third_party,
            fields=fields,
            basis=basis.kind,
            access_until=basis.until,
        )

    def _refuse_rows(
        self,
        session: Session,
        actor: Staff,
        member: MemberRow | None,
        purpose: Purpose,
        action: str,
    ) -> None:
        """Analysts (aggregates only) and inactive accounts see no member: refused for their
        role, before and whatever the member."""
        if actor.role == Role.ANALYST:
            self._deny(session, actor, member, purpose, action, "role has aggregates only")
        if not actor.active:
            self._deny(session, actor, member, purpose, action, "the account is inactive")

    def refuse_out_of_reach(
        self,
        session: Session,
        actor: Staff,
        member: MemberRow | None,
        purpose: Purpose,
        action: str,
        reference: str | int,
    ) -> NoReturn:
        """For a use case that found the member out of the actor's reach (or none): audits the
        refusal, committed (the caller's transaction ends), and raises it in the words an
        unknown member gets."""
        self._deny(session, actor, member, purpose, action, "not in scope", reach=reference)

    def _deny(
        self,
        session: Session,
        actor: Staff,
        member: MemberRow | None,
        purpose: Purpose,
        action: str,
        why: str,
        *,
        reach: str | int | None = None,
    ) -> NoReturn:
        """Audits the refusal and raises it. The words never depend on the member: a refusal
        for the role names no member; one for scope (`reach`: the reference the person gave)
        reads as for an unknown member."""
        self.audit.record(
            session,
            action=action,
            result="denied",
            actor_id=actor.id,
            member_id=member.id if member else None,
            purpose=str(purpose),
            detail={"why": why},
        )
        session.commit()
        log.info(
            "%s refused: staff %s, member %s: %s",
            action,
            actor.id,
            member.id if member else "-",
            why,
        )
        if reach is not None:
            raise MemberOutOfReach(reach)
        raise AccessDenied(f"{actor.username} ({actor.role}) may not see members: {why}")

    # Reveal ------------------------------------------------------------------------------------
    def reveal(
        self, actor: Staff, member_no: str, field: str, purpose: str, note: str = ""
    ) -> FieldView:
        """Show one field unmasked for a short time, for a configured purpose and an optional
        note (workbench.permissions.reasons; audited)."""
        if field not in PERSONAL_FIELDS:
            raise ValidationError("field", f"one of {', '.join(PERSONAL_FIELDS)}")
        reason = self.purposes.reason(purpose, note).text
        with immediate_session(self.sessions) as session:
            member = self.registry.row_by_number(session, member_no)
            allowed = self.id_number_reveal_roles if field == "id_number" else self.reveal_roles
            if str(actor.role) not in allowed:  # for the role: the same whatever the member
                self._deny(
                    session,
                    actor,
                    member,
                    Purpose.SERVICE,
                    "reveal",
                    f"role may not reveal {field}",
                )
            self._refuse_rows(session, actor, member, Purpose.SERVICE, "reveal")
            basis = self.basis(session, actor, member) if member is not None else None
            if member is None or basis is None:
                self._deny(
                    session,
                    actor,
                    member,
                    Purpose.SERVICE,
                    "reveal",
                    "not in scope",
                    reach=member_no,
                )
            if field not in basis.fields:
                self._deny(session, actor, member, Purpose.SERVICE, "reveal", "field not granted")
            if self.limits is not None:
                self.limits.take(session, actor, LimitedAction.REVEAL)
            now = self.clock.now()
            until = now + self.reveal_window
            if basis.until is not None:
                until = min(until, basis.until)  # a reveal never outlives the grant behind it
            session.add(
                Reveal(
                    staff_id=saved_id(actor),
                    member_id=saved_id(member),
                    field=field,
                    reason=reason[:300],
                    since=now,
                    until=until,
                )
            )
            self.audit.record(
                session,
                action="reveal",
                result="allowed",
                actor_id=actor.id,
                member_id=member.id,
                purpose=Purpose.SERVICE.value,
                detail={"field": field, "reason": reason[:300]},
            )
            value = self.registry.decrypt(member, (field,))[field]
            session.commit()
            return FieldView(field, value, True, until)

    # Grants ------------------------------------------------------------------------------------
    def _add_grant(
        self, session: Session, *, fields: Collection[str], **values: Any
    ) -> AccessGrant:
        unknown = set(fields) - ALL_FIELDS
        if unknown or not fields:
            raise ValidationError("fields", f"choose from {', '.join(PERSONAL_FIELDS)}")
        if values["ends_at"] <= values["starts_at"]:
            raise ValidationError("ends_at", "a grant must end after it starts")
        grant = AccessGrant(fields=",".join(f for f in PERSONAL_FIELDS if f in fields), **values)
        session.add(grant)
        return grant

    def open_grant(
        self,
        session: Session,
        *,
        staff_id: int,
        member_id: int,
        source: GrantSource,
        source_ref: str | None,
        starts_at: datetime,
        ends_at: datetime,
        fields: frozenset[str] = ALL_FIELDS,
        reason: str = "",
    ) -> AccessGrant:
        """For the services that grant access as part of their work (callbacks, calls, tickets),
        inside their own transaction."""
        grant = self._add_grant(
            session,
            staff_id=staff_id,
            member_id=member_id,
            fields=fields,
            source=source,
            source_ref=source_ref,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
        )
        session.flush()
        self.audit.record(
            session,
            action="grant",
            result="ok",
            member_id=member_id,
            detail={
                "grant": grant.id,
                "staff": staff_id,
                "source": str(source),
                "until": ends_at.isoformat(),
            },
        )
        return grant

    def end_grants(self, session: Session, *, source: GrantSource, source_ref: str) -> int:
        """End the live grants a piece of work opened (e.g. the callback task is finished)."""
        now = self.clock.now()
        grants = session.scalars(
            select(AccessGrant).where(
                col(AccessGrant.source) == source,
                col(AccessGrant.source_ref) == source_ref,
                col(AccessGrant.revoked_at).is_(None),
                col(AccessGrant.ends_at) > now,
            )
        ).all()
        for grant in grants:
            grant.revoked_at = now
        return len(grants)

    def create_grant(
        self,
        actor: Staff,
        *,
        staff: Staff,
        member_no: str,
        fields: frozenset[str] | set[str],
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
    ) -> AccessGrant:
        """A grant made by hand: administrators only, with a reason."""
        if actor.role != Role.ADMIN:
            raise AccessDenied("only administrators create grants by hand")
        if not refuse_unsafe((reason or "").strip(), "reason"):
            raise ValidationError("reason", "say why the grant is needed")
        with immediate_session(self.sessions) as session:
            member = self.registry.get(session, member_no)
            grant = self._add_grant(
                session,
                staff_id=staff.id,
                member_id=member.id,
                fields=frozenset(fields),
                source=GrantSource.MANUAL,
                source_ref=None,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by_id=actor.id,
                reason=reason.strip()[:300],
            )
            session.flush()
            self.audit.record(
                session,
                action="grant",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={
                    "grant": grant.id,
                    "staff": staff.id,
                    "source": "manual",
                    "from": starts_at.isoformat(),
                    "until": ends_at.isoformat(),
                    "reason": reason.strip()[:300],
                },
            )
            session.commit()
            return grant

    def revoke_grant(self, actor: Staff, grant_id: int) -> AccessGrant:
        if actor.role not in (Role.ADMIN, Role.SUPERVISOR):
            raise AccessDenied("only administrators and supervisors revoke grants")
        with immediate_session(self.sessions) as session:
            grant = session.get(AccessGrant, grant_id)
            if grant is None:
                raise NotFound(f"no grant {grant_id}")
            grant.revoked_at = grant.revoked_at or self.clock.now()
            grant.revoked_by_id = actor.id
            self.audit.record(
                session,
                action="grant_revoke",
                result="ok",
                actor_id=actor.id,
                member_id=grant.member_id,
                detail={"grant": grant.id},
            )
            session.commit()
            return grant

    def live_grants_overview(self, staff_id: int) -> list[tuple[AccessGrant, str, str]]:
        """A staff member's live grants with each member's number and masked name (the grant
        is what lets them see the member; nothing in clear)."""
        now = self.clock.now()
        with self.sessions() as session:
            rows = session.execute(
                select(AccessGrant, Member)
                .join(Member, col(Member.id) == col(AccessGrant.member_id))
                .where(
                    col(AccessGrant.staff_id) == staff_id,
                    col(AccessGrant.starts_at) <= now,
                    col(AccessGrant.ends_at) > now,
                    col(AccessGrant.revoked_at).is_(None),
                )
                .order_by(col(AccessGrant.ends_at))
            ).all()
            return [
                (grant, member.member_no, _masked_name(self.registry, member))
                for grant, member in rows
            ]

    def grants_of(
        self, session: Session, staff_id: int, *, live_only: bool = True
    ) -> list[AccessGrant]:
        now = self.clock.now()
        query = select(AccessGrant).where(col(AccessGrant.staff_id) == staff_id)
        if live_only:
            query = query.where(
                col(AccessGrant.ends_at) > now,
                or_(col(AccessGrant.revoked_at).is_(None), col(AccessGrant.revoked_at) > now),
            )
        return list(session.scalars(query.order_by(col(AccessGrant.ends_at))))


def _masked_name(registry: MemberRegistry, member: Member) -> str:
    return MASKERS["name"](registry.decrypt(member, ("name",))["name"]) or "—"
