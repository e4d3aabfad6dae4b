"""The Odoo sync as administrators run it: check the connection, pull members and orders, push
service data and complaints, list what a run skipped. Where no [odoo] host is configured there
is no sync, and every step says so and what to set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from workbench.crm.errors import OdooNotConfigured
from workbench.crm.models import SyncIssue, SyncRun
from workbench.crm.report import Progress, SyncReport, no_progress
from workbench.errors import PermissionDenied
from workbench.members.models import Member, Role, Staff
from workbench.usecases.base import UnitOfWork

if TYPE_CHECKING:
    from workbench.crm.sync import CheckReport, OdooSync

NOT_CONFIGURED = (
    "Odoo is not configured: set [odoo] host (WORKBENCH_ODOO_HOST), database and login, "
    "and the password or API key in WORKBENCH_ODOO_PASSWORD"
)


@dataclass(frozen=True)
class RunSummary:
    id: int
    direction: str
    outcome: str
    started_at: datetime


@dataclass(frozen=True)
class IssueRow:
    """A record a run skipped or a conflict it met: ids and field names, never values."""

    kind: str
    model: str
    odoo_id: int | None
    member_id: int | None
    field_names: str
    reason: str
    member_no: str | None = None  # the member as lists show one (the number: no values here)


@dataclass(frozen=True)
class RunIssues:
    run: RunSummary | None  # None: no such run (or none yet)
    issues: list[IssueRow]


class OdooDesk:
    def __init__(self, *, uow: UnitOfWork, sync: OdooSync | None) -> None:
        self.uow = uow
        self.sync = sync  # None: no [odoo] host configured

    def require_configured(self) -> None:
        """Refuses, saying what to set, where no [odoo] host is configured."""
        self._sync()

    def check(self) -> CheckReport:
        """The server's version, the sync's user, the models there and what in the settings
        does not fit them; shows no member data, so it needs no sign-in."""
        return self._sync().check()

    def pull(self, actor: Staff, *, progress: Progress = no_progress) -> SyncReport:
        """Members and their confirmed orders from where the last pull ended (admins)."""
        sync = self._sync()
        _require_admin(actor)
        return sync.pull(actor=actor, progress=progress)

    def push(self, actor: Staff, *, progress: Progress = no_progress) -> SyncReport:
        """Tier, points and opt-outs to the members' partners; new complaints to Helpdesk."""
        sync = self._sync()
        _require_admin(actor)
        return sync.push(actor=actor, progress=progress)

    def scheduled_sync(self) -> list[SyncReport]:
        """The scheduler's run: a pull, then a push, as the system (no staff member); nothing
        where Odoo is not configured."""
        if self.sync is None:
            return []
        return [self.sync.pull(), self.sync.push()]

    def issues(self, actor: Staff, *, run_id: int | None = None, limit: int = 50) -> RunIssues:
        """What a run (default: the latest) skipped and the conflicts it met (admins)."""
        _require_admin(actor)
        with self.uow.read() as session:
            run = (
                session.get(SyncRun, run_id)
                if run_id
                else session.scalar(select(SyncRun).order_by(col(SyncRun.id).desc()).limit(1))
            )
            if run is None or run.id is None:
                return RunIssues(None, [])
            rows = session.scalars(
                select(SyncIssue)
                .where(col(SyncIssue.run_id) == run.id)
                .order_by(col(SyncIssue.id))
                .limit(limit)
            )
            found = list(rows)
            ids = {i.member_id for i in found if i.member_id is not None}
            numbers = dict(
                session.execute(
                    select(col(Member.id), col(Member.member_no)).where(col(Member.id).in_(ids))
                ).all()
            )
            issues = [
                IssueRow(
                    i.kind,
                    i.model,
                    i.odoo_id,
                    i.member_id,
                    i.field_names,
                    i.reason,
                    numbers.get(i.member_id) if i.member_id is not None else None,
                )
                for i in found
            ]
            return RunIssues(RunSummary(run.id, run.direction, run.outcome, run.started_at), issues)

    def _sync(self) -> OdooSync:
        if self.sync is None:
            raise OdooNotConfigured(NOT_CONFIGURED)
        return self.sync


def _require_admin(actor: Staff) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(
            f"only an admin may run the Odoo sync; {actor.username} is {actor.role}"
        )
