"""The staff directory: administrators add staff, set passwords and e-mail addresses (where
escalations are sent), unlock and deactivate them."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.errors import NotFound, ValidationError
from workbench.masking.text import refuse_unsafe
from workbench.members.identity import normalise_email
from workbench.members.models import Role, Staff, Store
from workbench.permissions.access import AccessDenied
from workbench.permissions.auth import Authenticator

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


EMAIL_FIELD = "staff.email"


class StaffDirectory:
    def __init__(
        self, *, clock: Clock, auth: Authenticator, audit: AuditLog, cipher: FieldCipher
    ) -> None:
        self.clock = clock
        self.auth = auth
        self.audit = audit
        self.cipher = cipher

    def has_admin(self, session: Session) -> bool:
        query = select(col(Staff.id)).where(
            col(Staff.role) == Role.ADMIN, col(Staff.active).is_(True)
        )
        return session.scalar(query.limit(1)) is not None

    def add(
        self,
        session: Session,
        *,
        actor: Staff | None,
        username: str,
        display_name: str,
        role: Role | str,
        password: str,
        store_code: str | None = None,
        team: str | None = None,
        email: str | None = None,
    ) -> Staff:
        """`actor` must be an administrator; None is allowed only for the very first admin."""
        if actor is None:
            if self.has_admin(session) or Role(role) != Role.ADMIN:
                raise AccessDenied("sign in as an administrator to add staff")
        elif actor.role != Role.ADMIN:
            raise AccessDenied("only administrators add staff")
        if not USERNAME.match(username):
            raise ValidationError("username", "2–64 of a-z 0-9 . _ -, starting with a letter")
        refuse_unsafe(display_name, "display_name")
        try:
            role = Role(role)
        except ValueError:
            raise ValidationError("role", f"one of {', '.join(r.value for r in Role)}") from None
        if session.scalar(select(col(Staff.id)).where(col(Staff.username) == username)) is not None:
            raise ValidationError("username", f"{username!r} is taken")
        store_id = None
        if store_code:
            store = session.scalar(select(Store).where(col(Store.code) == store_code))
            if store is None:
                raise NotFound(f"no store {store_code!r}")
            store_id = store.id
        elif role in (Role.SALES, Role.STORE_MANAGER):
            raise ValidationError("store", f"a {role.value} belongs to a store")
        staff = Staff(
            username=username,
            display_name=display_name.strip() or username,
            role=role,
            store_id=store_id,
            team=team,
            password_hash=self.auth.hash_password(password),
            email_enc=self.cipher.encrypt(EMAIL_FIELD, normalise_email(email)),
            created_at=self.clock.now(),
        )
        session.add(staff)
        session.flush()
        self.audit.record(
            session,
            action="staff_add",
            result="ok",
            actor_id=actor.id if actor else staff.id,
            detail={"staff": staff.id, "role": role.value},
        )
        return staff

    def _target(self, session: Session, actor: Staff, username: str) -> Staff:
        if actor.role != Role.ADMIN:
            raise AccessDenied("only administrators manage staff")
        staff = session.scalar(select(Staff).where(col(Staff.username) == username))
        if staff is None:
            raise NotFound(f"no staff member {username!r}")
        return staff

    def set_password(
        self, session: Session, *, actor: Staff, username: str, password: str
    ) -> Staff:
        staff = self._target(session, actor, username)
        staff.password_hash = self.auth.hash_password(password)
        self.audit.record(
            session,
            action="staff_password",
            result="ok",
            actor_id=actor.id,
            detail={"staff": staff.id},
        )
        return staff

    def set_email(
        self, session: Session, *, actor: Staff, username: str, email: str | None
    ) -> Staff:
        """Where this staff member's escalations are e-mailed; None or empty removes it."""
        staff = self._target(session, actor, username)
        staff.email_enc = self.cipher.encrypt(EMAIL_FIELD, normalise_email(email))
        self.audit.record(
            session,
            action="staff_email",
            result="ok",
            actor_id=actor.id,
            detail={"staff": staff.id, "set": staff.email_enc is not None},
        )
        return staff

    def email(self, staff: Staff) -> str | None:
        return self.cipher.decrypt(EMAIL_FIELD, staff.email_enc)

    def unlock(self, session: Session, *, actor: Staff, username: str) -> Staff:
        staff = self._target(session, actor, username)
        staff.locked_until = None
        staff.failed_logins = 0
        self.audit.record(
            session,
            action="staff_unlock",
            result="ok",
            actor_id=actor.id,
            detail={"staff": staff.id},
        )
        return staff

    def deactivate(self, session: Session, *, actor: Staff, username: str) -> Staff:
        staff = self._target(session, actor, username)
        if staff.id == actor.id:
            raise ValidationError("username", "an administrator cannot deactivate themselves")
        staff.active = False
        self.audit.record(
            session,
            action="staff_deactivate",
            result="ok",
            actor_id=actor.id,
            detail={"staff": staff.id},
        )
        return staff
