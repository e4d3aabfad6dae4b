"""Staff sign-in: argon2 password hashes, lock-out after repeated failures, idle timeout,
and registered terminals for stores that require them."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crypto.fields import b64_digest
from workbench.crypto.keyring import write_private_file
from workbench.db.ids import saved_id
from workbench.errors import NotFound, PermissionDenied, ValidationError, WorkbenchError
from workbench.members.models import Role, Staff, Store
from workbench.permissions.models import StaffSession, Terminal

log = logging.getLogger(__name__)


class SignInRefused(PermissionDenied):
    pass


class SessionExpired(PermissionDenied):
    pass


def _sha256(text: str) -> str:
    return b64_digest(hashlib.sha256(text.encode()).digest())


@dataclass(frozen=True)
class SignedIn:
    staff: Staff
    token: str  # give it back to `resume`; only its hash is stored


@dataclass(frozen=True)
class TerminalCredential:
    terminal_id: int
    secret: str

    def save(self, path: Path) -> None:
        write_private_file(
            path, json.dumps({"terminal_id": self.terminal_id, "secret": self.secret})
        )

    @classmethod
    def load(cls, path: Path) -> TerminalCredential | None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return cls(int(doc["terminal_id"]), str(doc["secret"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            raise WorkbenchError(f"{path} is not a terminal credential file") from None


def password_hasher(time_cost: int = 3, memory_kib: int = 65536) -> PasswordHasher:
    """argon2id at the configured cost ([protection] password_time_cost, password_memory_kib)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash at the hasher's cost, checked for a user with no password to check."""
    return _dummy_hash_at(hasher.time_cost, hasher.memory_cost, hasher.parallelism)


@functools.lru_cache(maxsize=8)
def _dummy_hash_at(time_cost: int, memory_kib: int, parallelism: int) -> str:
    # Made once per process and cost: every workbench a process builds shares it.
    return PasswordHasher(time_cost, memory_kib, parallelism).hash(secrets.token_urlsafe(16))


class Authenticator:
    def __init__(
        self,
        *,
        clock: Clock,
        audit: AuditLog,
        max_failed_logins: int,
        lockout_minutes: int,
        idle_timeout_minutes: int,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.clock = clock
        self.audit = audit
        self.max_failed = max_failed_logins
        self.lockout = timedelta(minutes=lockout_minutes)
        self.idle_timeout = timedelta(minutes=idle_timeout_minutes)
        self.hasher = hasher or password_hasher()

    def hash_password(self, password: str) -> str:
        if len(password) < 8:
            raise ValidationError("password", "at least 8 characters")
        return self.hasher.hash(password)

    def sign_in(
        self,
        session: Session,
        *,
        username: str,
        password: str,
        terminal: TerminalCredential | None = None,
    ) -> SignedIn:
        """Commits its own audit entries, so a refusal is recorded even though it raises.

        An unknown or inactive user, a wrong password and a locked account are refused in the
        same words (and after the same password check), so the answer never tells whether an
        account exists or is locked; the audit entry says which."""
        now = self.clock.now()
        staff = session.scalar(select(Staff).where(col(Staff.username) == username.strip()))
        if staff is None or not staff.active or staff.password_hash is None:
            self._verify_nothing(password)
            self._refuse(session, staff, "unknown or inactive user")
        matches = self._password_matches(staff, password)
        if staff.locked_until is not None and staff.locked_until > now:
            self._refuse(session, staff, "locked")
        if not matches:
            staff.failed_logins += 1
            if staff.failed_logins >= self.max_failed:
                staff.locked_until = now + self.lockout
                staff.failed_logins = 0
                self._refuse(session, staff, "locked after failures")
            self._refuse(session, staff, "wrong password")
        terminal_id = self._check_terminal(session, staff, terminal)
        staff.failed_logins = 0
        staff.locked_until = None
        token = secrets.token_urlsafe(32)
        session.add(
            StaffSession(
                token_hash=_sha256(token),
                staff_id=saved_id(staff),
                terminal_id=terminal_id,
                started_at=now,
                last_seen_at=now,
            )
        )
        self.audit.record(
            session,
            action="sign_in",
            result="ok",
            actor_id=staff.id,
            detail={"terminal": terminal_id},
        )
        session.commit()
        log.info("staff %s signed in (terminal %s)", staff.id, terminal_id)
        return SignedIn(staff, token)

    def _verify_nothing(self, password: str) -> None:
        """As long as a password check, for a user with no password to check."""
        with contextlib.suppress(VerificationError, InvalidHashError):
            self.hasher.verify(_dummy_hash(self.hasher), password)

    def _password_matches(self, staff: Staff, password: str) -> bool:
        if staff.password_hash is None:  # no password was ever set: nothing matches
            return False
        try:
            return self.hasher.verify(staff.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _check_terminal(
        self, session: Session, staff: Staff, terminal: TerminalCredential | None
    ) -> int | None:
        store = session.get(Store, staff.store_id) if staff.store_id else None
        if terminal is not None:
            row = session.get(Terminal, terminal.terminal_id)
            valid = (
                row is not None
                and row.revoked_at is None
                and secrets.compare_digest(row.secret_hash, _sha256(terminal.secret))
                and (row.store_id is None or row.store_id == staff.store_id)
            )
            if valid and row is not None:
                return row.id
        if store is not None and store.requires_terminal:
            self._refuse(
                session,
                staff,
                "unregistered terminal",
                "this store allows sign-in only from its registered terminals",
            )
        return None

    def _refuse(
        self, session: Session, staff: Staff | None, why: str, message: str | None = None
    ) -> NoReturn:
        """`why` goes to the audit entry and the log; the person reads `message`, by default
        the one answer for every bad sign-in."""
        self.audit.record(
            session,
            action="sign_in",
            result="denied",
            actor_id=staff.id if staff else None,
            detail={"why": why},
        )
        session.commit()
        log.info("sign-in refused for staff %s: %s", staff.id if staff else "-", why)
        raise SignInRefused(message or "wrong username or password")

    def resume(self, session: Session, token: str) -> Staff:
        """The staff member of a live session; ends it after the idle timeout."""
        now = self.clock.now()
        row = session.scalar(
            select(StaffSession).where(col(StaffSession.token_hash) == _sha256(token))
        )
        if row is None or row.ended_at is not None:
            raise SessionExpired("signed out: sign in again")
        if now - row.last_seen_at >= self.idle_timeout:
            row.ended_at = row.last_seen_at + self.idle_timeout
            self.audit.record(session, action="session_timeout", result="ok", actor_id=row.staff_id)
            session.commit()
            raise SessionExpired("the session ended after being idle: sign in again")
        staff = session.get(Staff, row.staff_id)
        if staff is None or not staff.active:
            raise SessionExpired("this account is no longer active")
        row.last_seen_at = now
        session.commit()
        return staff

    def sign_out(self, session: Session, token: str) -> int | None:
        """Ends the session; the staff member's id, or None when it had ended already."""
        row = self._session_row(session, token)
        if row is None or row.ended_at is not None:
            return None
        row.ended_at = self.clock.now()
        self.audit.record(session, action="sign_out", result="ok", actor_id=row.staff_id)
        session.commit()
        return row.staff_id

    def staff_of(self, session: Session, token: str) -> int | None:
        """Whose session `token` is (live or ended); None for an unknown token."""
        row = self._session_row(session, token)
        return row.staff_id if row is not None else None

    @staticmethod
    def _session_row(session: Session, token: str) -> StaffSession | None:
        return session.scalar(
            select(StaffSession).where(col(StaffSession.token_hash) == _sha256(token))
        )

    # Terminals ----------------------------------------------------------------------------
    def register_terminal(
        self, session: Session, *, name: str, store: Store | None, actor: Staff
    ) -> TerminalCredential:
        _require_admin(actor, "register terminals")
        if not name.strip():
            raise ValidationError("name", "a terminal needs a name")
        secret = secrets.token_urlsafe(32)
        terminal = Terminal(
            name=name.strip(),
            store_id=store.id if store else None,
            secret_hash=_sha256(secret),
            registered_at=self.clock.now(),
            registered_by_id=actor.id,
        )
        session.add(terminal)
        session.flush()
        self.audit.record(
            session,
            action="terminal_register",
            result="ok",
            actor_id=actor.id,
            detail={"terminal": terminal.id},
        )
        return TerminalCredential(saved_id(terminal), secret)

    def revoke_terminal(self, session: Session, *, terminal_id: int, actor: Staff) -> Terminal:
        _require_admin(actor, "revoke terminals")
        terminal = session.get(Terminal, terminal_id)
        if terminal is None:
            raise ValidationError("terminal", f"no terminal {terminal_id}")
        terminal.revoked_at = terminal.revoked_at or self.clock.now()
        self.audit.record(
            session,
            action="terminal_revoke",
            result="ok",
            actor_id=actor.id,
            detail={"terminal": terminal.id},
        )
        return terminal

    def require_terminals(
        self, session: Session, *, store_code: str, required: bool, actor: Staff
    ) -> Store:
        """Bind (or free) a store's staff to its registered terminals; takes effect at their
        next sign-in."""
        _require_admin(actor, "decide which stores require registered terminals")
        store = session.scalar(select(Store).where(col(Store.code) == store_code.strip()))
        if store is None:
            raise NotFound(f"no store {store_code.strip()!r}")
        store.requires_terminal = required
        self.audit.record(
            session,
            action="terminal_rule",
            result="ok",
            actor_id=actor.id,
            detail={"store": store.code, "requires_terminal": required},
        )
        return store

    def live_terminals(self, session: Session, store: Store) -> int:
        """Terminals registered to the store and not revoked: how many places its staff can
        still sign in from once it requires terminals."""
        return len(
            session.scalars(
                select(col(Terminal.id)).where(
                    col(Terminal.store_id) == store.id, col(Terminal.revoked_at).is_(None)
                )
            ).all()
        )


def _require_admin(actor: Staff, action: str) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(f"only administrators {action}; {actor.username} is {actor.role}")
