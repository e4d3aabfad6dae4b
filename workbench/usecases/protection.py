"""Who may see and do what: access grants made by hand, the staff directory, the registered
terminals, the audit log, and the keys that encrypt personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.audit.anchor import Anchor
from workbench.audit.chain import AuditLog, VerifyReport, audit_rows
from workbench.clock import Clock
from workbench.crypto import FieldCipher, Keyring
from workbench.crypto.check import record_added_keys
from workbench.crypto.rotation import RotationReport, reencrypt_all
from workbench.db.ids import saved_id
from workbench.errors import NotFound
from workbench.members.models import Role, Staff, Store
from workbench.members.registry import MemberRegistry
from workbench.permissions.access import AccessDenied, MemberAccess
from workbench.permissions.auth import Authenticator
from workbench.permissions.models import AccessGrant, Terminal
from workbench.permissions.staff import StaffDirectory
from workbench.usecases.base import UnitOfWork
from workbench.usecases.member_refs import NOBODY, member_label, staff_name

if TYPE_CHECKING:
    from workbench.bootstrap import Services

AUDIT_READERS = (Role.SUPERVISOR, Role.ADMIN)


def staff_named(session: Session, username: str) -> Staff:
    """The staff member with this username, or NotFound."""
    staff = session.scalar(select(Staff).where(col(Staff.username) == username))
    if staff is None:
        raise NotFound(f"no staff member {username!r}")
    return staff


@dataclass(frozen=True)
class GrantLine:
    id: int
    member_id: int
    fields: str  # comma-separated field names
    source: str
    starts_at: datetime
    ends_at: datetime
    member: str = NOBODY  # number and masked name, as lists show a member


@dataclass(frozen=True)
class StaffEntry:
    username: str
    display_name: str
    role: str
    store_code: str | None
    team: str | None
    has_email: bool
    state: str  # active, locked or inactive


@dataclass(frozen=True)
class TerminalEntry:
    id: int
    name: str
    store_code: str | None
    registered_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class Terminals:
    terminals: tuple[TerminalEntry, ...]
    bound_stores: tuple[str, ...]  # the stores whose staff sign in only from their terminals


@dataclass(frozen=True)
class RegisteredTerminal:
    terminal_id: int
    credential_file: Path  # where this workstation's credential was saved


@dataclass(frozen=True)
class TerminalRule:
    store_code: str
    required: bool
    live_terminals: int  # registered to the store and not revoked


@dataclass(frozen=True)
class AuditLine:
    seq: int
    at: datetime
    actor_id: int | None
    action: str
    member_id: int | None
    purpose: str
    result: str
    detail: str  # never personal data
    actor: str = NOBODY  # the staff member's name, as lists show one
    member: str = NOBODY  # number and masked name


def _grant_line(grant: AccessGrant, member: str = NOBODY) -> GrantLine:
    return GrantLine(
        id=saved_id(grant),
        member_id=grant.member_id,
        fields=grant.fields,
        source=str(grant.source),
        starts_at=grant.starts_at,
        ends_at=grant.ends_at,
        member=member,
    )


def _require_terminal_admin(actor: Staff) -> None:
    if actor.role != Role.ADMIN:
        raise AccessDenied("only administrators manage terminals")


class ProtectionDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        access: MemberAccess,
        auth: Authenticator,
        staff: StaffDirectory,
        registry: MemberRegistry,
        keyring: Keyring,
        cipher: FieldCipher,
        terminal_file: Path,
        audit: AuditLog,
    ) -> None:
        self.audit = audit
        self.uow = uow
        self.clock = clock
        self.access = access
        self.auth = auth
        self.directory = staff
        self.registry = registry
        self.keyring = keyring
        self.cipher = cipher
        self.terminal_file = terminal_file

    # Access grants -------------------------------------------------------------------------------
    def create_grant(
        self,
        actor: Staff,
        *,
        to: str,
        member_no: str,
        fields: set[str],
        starts_at: datetime,
        ends_at: datetime,
        reason: str,
    ) -> GrantLine:
        """Gives the staff member named `to` access to the member's fields for a time
        (administrators, with a reason; audited)."""
        with self.uow.read() as session:
            staff = staff_named(session, to)
            session.expunge(staff)  # kept as read: the read's rollback would expire it
        grant = self.access.create_grant(
            actor,
            staff=staff,
            member_no=member_no,
            fields=fields,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason,
        )
        return _grant_line(grant)

    def revoke_grant(self, actor: Staff, grant_id: int) -> None:
        """Administrators and supervisors; audited."""
        self.access.revoke_grant(actor, grant_id)

    def grants_of(self, actor: Staff, username: str) -> list[GrantLine]:
        """The live grants of the staff member with this username."""
        with self.uow.read() as session:
            grants = self.access.grants_of(session, saved_id(staff_named(session, username)))
            return [
                _grant_line(grant, member_label(session, self.cipher, grant.member_id))
                for grant in grants
            ]

    # Staff directory -----------------------------------------------------------------------------
    def has_admin(self) -> bool:
        """Whether an active administrator exists (until one does, the first may be added
        without signing in)."""
        with self.uow.read() as session:
            return self.directory.has_admin(session)

    def add_staff(
        self,
        actor: Staff | None,
        *,
        username: str,
        role: str,
        password: str,
        display_name: str = "",
        store_code: str | None = None,
        team: str | None = None,
        email: str | None = None,
    ) -> StaffEntry:
        """`actor` must be an administrator; None only for the very first one."""
        with self.uow.write() as session:
            staff = self.directory.add(
                session,
                actor=actor,
                username=username,
                display_name=display_name,
                role=role,
                password=password,
                store_code=store_code,
                team=team,
                email=email,
            )
            return self._entry(staff, store_code)

    def staff_list(self, actor: Staff) -> list[StaffEntry]:
        """Every staff account, in the order they were added."""
        with self.uow.read() as session:
            rows = session.execute(
                select(Staff, col(Store.code))
                .outerjoin(Store, col(Store.id) == Staff.store_id)
                .order_by(col(Staff.id))
            ).all()
            return [self._entry(staff, code) for staff, code in rows]

    def set_password(self, actor: Staff, username: str, password: str) -> None:
        with self.uow.write() as session:
            self.directory.set_password(session, actor=actor, username=username, password=password)

    def set_email(self, actor: Staff, username: str, address: str | None) -> bool:
        """Where the staff member's escalations are e-mailed; empty removes it. Whether one is
        set now."""
        with self.uow.write() as session:
            staff = self.directory.set_email(session, actor=actor, username=username, email=address)
            return staff.email_enc is not None

    def unlock(self, actor: Staff, username: str) -> None:
        with self.uow.write() as session:
            self.directory.unlock(session, actor=actor, username=username)

    def deactivate(self, actor: Staff, username: str) -> None:
        with self.uow.write() as session:
            self.directory.deactivate(session, actor=actor, username=username)

    def _entry(self, staff: Staff, store_code: str | None) -> StaffEntry:
        now = self.clock.now()
        locked = staff.locked_until is not None and staff.locked_until > now
        return StaffEntry(
            username=staff.username,
            display_name=staff.display_name,
            role=str(staff.role),
            store_code=store_code,
            team=staff.team,
            has_email=staff.email_enc is not None,
            state="inactive" if not staff.active else "locked" if locked else "active",
        )

    # Terminals (administrators) ------------------------------------------------------------------
    def register_terminal(
        self, actor: Staff, name: str, store_code: str | None = None
    ) -> RegisteredTerminal:
        """Registers THIS workstation and saves its credential in the terminal file, once the
        registration has committed."""
        _require_terminal_admin(actor)
        with self.uow.write() as session:
            store = None
            if store_code:
                store = session.scalar(select(Store).where(col(Store.code) == store_code))
                if store is None:
                    raise NotFound(f"no store {store_code!r}")
            credential = self.auth.register_terminal(session, name=name, store=store, actor=actor)
        credential.save(self.terminal_file)
        return RegisteredTerminal(credential.terminal_id, self.terminal_file)

    def terminals(self, actor: Staff) -> Terminals:
        _require_terminal_admin(actor)
        with self.uow.read() as session:
            rows = session.execute(
                select(Terminal, col(Store.code)).outerjoin(
                    Store, col(Store.id) == Terminal.store_id
                )
            ).all()
            bound = session.scalars(
                select(col(Store.code))
                .where(col(Store.requires_terminal).is_(True))
                .order_by(col(Store.code))
            ).all()
            entries = []
            for terminal, code in rows:
                entries.append(
                    TerminalEntry(
                        saved_id(terminal),
                        terminal.name,
                        code,
                        terminal.registered_at,
                        terminal.revoked_at,
                    )
                )
            return Terminals(tuple(entries), tuple(bound))

    def revoke_terminal(self, actor: Staff, terminal_id: int) -> None:
        _require_terminal_admin(actor)
        with self.uow.write() as session:
            self.auth.revoke_terminal(session, terminal_id=terminal_id, actor=actor)

    def require_terminals(self, actor: Staff, store_code: str, *, required: bool) -> TerminalRule:
        """Binds (or frees) a store's staff to its registered terminals from their next
        sign-in (audited); with how many live terminals the store has."""
        _require_terminal_admin(actor)
        with self.uow.write() as session:
            store = self.auth.require_terminals(
                session, store_code=store_code, required=required, actor=actor
            )
            live = self.auth.live_terminals(session, store)
            return TerminalRule(store.code, required, live)

    # Audit log -----------------------------------------------------------------------------------
    def verify_audit(self) -> VerifyReport:
        """Walks the sealed chain and checks it against its head and the anchors kept outside
        the database: a missing, altered or unsealed row, a truncated, rewound or wiped log, a
        missing head, an anchor file edited or gone."""
        with self.uow.read() as session:
            return self.audit.verify(session)

    def anchor_audit(self) -> Anchor | None:
        """Writes a signed checkpoint of the chain's head to the anchor file (None: the head
        has not moved since the last one)."""
        with self.uow.write() as session:
            return self.audit.anchor(session)

    def sequence_audit(self) -> int:
        """Chains the audit entries written while the chain head was taken (the scheduler's
        sequencer, every few seconds); how many. Leaves them to the head's holder if it is
        taken."""
        return self.audit.sequence(self.uow.sessions.kw["bind"], wait=False)

    def add_audit_key(self, key_file: Path) -> str:
        """Adds a new audit key, made active, to the key file; the old ones stay, so entries
        and anchors sealed with them still verify. The new version's name."""
        keys, active = self.keyring.rotated_audit_keys()
        rotated = self.keyring.with_audit_keys(keys, active)
        rotated.save(key_file)
        self._record_keys(rotated)  # an older copy of the file is refused from now on
        return active

    def audit_entries(
        self, actor: Staff, *, member_no: str | None = None, limit: int = 50
    ) -> list[AuditLine]:
        """Recent entries, newest first, optionally about one member (supervisors and
        administrators)."""
        if actor.role not in AUDIT_READERS:
            raise AccessDenied("only supervisors and administrators read the audit log")
        with self.uow.read() as session:
            member_id = self.registry.get(session, member_no).id if member_no else None
            rows = audit_rows(session, member_id=member_id, limit=limit, audit=self.audit)
            return [
                AuditLine(
                    row.seq,
                    row.at,
                    row.actor_id,
                    row.action,
                    row.member_id,
                    row.purpose,
                    row.result,
                    row.detail,
                    staff_name(session, row.actor_id),
                    member_label(session, self.cipher, row.member_id),
                )
                for row in rows
            ]

    # Keys ----------------------------------------------------------------------------------------
    def add_data_key(self, key_file: Path) -> None:
        """Adds a new data key, made active, to the key file. Saved before anything is
        re-encrypted, so a crash mid-way leaves every value readable under either key; a
        workbench built afterwards encrypts with it and `reencrypt` moves the rest."""
        rotated = self.keyring.rotated()
        rotated.save(key_file)
        self._record_keys(rotated)

    def _record_keys(self, keyring: Keyring) -> None:
        """After the key file is saved (a key recorded that no file holds would lock every
        start out): the database's key record gains the new keys."""
        with self.uow.write() as session:
            record_added_keys(session.connection(), keyring, now=self.clock.now())

    def reencrypt(self, *, batch_size: int = 2000) -> RotationReport:
        """Re-encrypts every stored value still under an older key with the active one, a batch
        per transaction (safe to run again)."""
        from workbench.db.tables import metadata  # every package's tables

        return reencrypt_all(
            self.uow.sessions, self.cipher, metadata.sorted_tables, batch_size=batch_size
        )


def protection_desk(s: Services, uow: UnitOfWork) -> ProtectionDesk:
    return ProtectionDesk(
        uow=uow,
        clock=s.clock,
        access=s.access,
        auth=s.auth,
        staff=s.staff,
        registry=s.registry,
        keyring=s.keyring,
        cipher=s.cipher,
        terminal_file=s.settings.effective_terminal_file,
        audit=s.audit,
    )
