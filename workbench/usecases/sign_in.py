"""Signing staff in and out: the password, this workstation's terminal credential where its store
requires one, and the session that ends after being idle."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session

from workbench.errors import NotFound, ValidationError
from workbench.members.models import Staff
from workbench.permissions.auth import (
    Authenticator,
    SessionExpired,
    SignedIn,
    TerminalCredential,
)
from workbench.telephony import presence
from workbench.telephony.desk import CALL_ROLES, publish_state
from workbench.telephony.events import call_events_for
from workbench.telephony.presence_models import AgentState
from workbench.usecases.base import UnitOfWork

if TYPE_CHECKING:
    from workbench.bootstrap import Services

LANGUAGES = ("zh-CN", "en")  # the desk's languages (workbench.tui.labels)


class SignInDesk:
    def __init__(self, *, uow: UnitOfWork, auth: Authenticator, terminal_file: Path) -> None:
        self.uow = uow
        self.auth = auth
        self.terminal_file = terminal_file  # this workstation's credential, if registered

    def sign_in(self, username: str, password: str) -> SignedIn:
        """A new session for the staff member; a refusal is audited (and committed) before it
        is raised."""
        terminal = TerminalCredential.load(self.terminal_file)
        with self.uow.write() as session:
            return self.auth.sign_in(
                session, username=username, password=password, terminal=terminal
            )

    def resume(self, token: str) -> Staff:
        """The staff member of a live session, seen now; SessionExpired once it has been idle
        too long or the account was deactivated (an agent then goes offline, as at sign-out)."""
        try:
            with self.uow.write() as session:
                return self.auth.resume(session, token)
        except SessionExpired:
            with self.uow.write() as session:
                self._offline(session, self.auth.staff_of(session, token))
            raise

    def remember_language(self, actor: Staff, language: str | None) -> None:
        """The desk's language the staff member chose (None: the setting's from now on); their
        next sign-in opens in it. Their own preference: any signed-in staff member may."""
        if language is not None and language not in LANGUAGES:
            raise ValidationError("language", f"one of {', '.join(LANGUAGES)}")
        with self.uow.write() as session:
            staff = session.get(Staff, actor.id)
            if staff is None or not staff.active:
                raise NotFound("no such staff member")
            staff.language = language

    def sign_out(self, token: str) -> None:
        """Ends the session; an agent who was available or on a break goes offline, so no call
        is routed to a desk nobody is signed in at."""
        with self.uow.write() as session:
            self._offline(session, self.auth.sign_out(session, token))

    def _offline(self, session: Session, staff_id: int | None) -> None:
        staff = session.get(Staff, staff_id) if staff_id is not None else None
        if staff is None or staff.id is None or staff.role not in CALL_ROLES:
            return
        if presence.signed_off(session, staff.id, self.auth.clock.now()):
            # The wallboard hears of it as of any state change.
            events = call_events_for(session.get_bind().engine)
            publish_state(events, session, staff.id, AgentState.OFFLINE, None)


def sign_in_desk(s: Services, uow: UnitOfWork) -> SignInDesk:
    return SignInDesk(uow=uow, auth=s.auth, terminal_file=s.settings.effective_terminal_file)
