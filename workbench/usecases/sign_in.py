"""Signing staff in and out: the password, this workstation's terminal credential where its store
requires one, and the session that ends after being idle."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workbench.members.models import Staff
from workbench.permissions.auth import Authenticator, SignedIn, TerminalCredential
from workbench.usecases.base import UnitOfWork

if TYPE_CHECKING:
    from workbench.bootstrap import Services


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
        too long or the account was deactivated."""
        with self.uow.write() as session:
            return self.auth.resume(session, token)

    def sign_out(self, token: str) -> None:
        with self.uow.write() as session:
            self.auth.sign_out(session, token)


def sign_in_desk(s: Services, uow: UnitOfWork) -> SignInDesk:
    return SignInDesk(uow=uow, auth=s.auth, terminal_file=s.settings.effective_terminal_file)
