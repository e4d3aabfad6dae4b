"""The Odoo sync as administrators run it: check the connection, pull members and orders, push
service data and complaints, list what a run skipped. Where no [odoo] host is configured there
is no sync, and every step says so and what to set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlmodel import col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crm.errors import OdooNotConfigured
from workbench.crm.models import IdentityReview, SyncIssue, SyncRun
from workbench.crm.report import Progress, SyncReport, no_progress
from workbench.crm.sync import REVIEWERS  # who applies or rejects a held identity change
from workbench.db.ids import saved_id
from workbench.errors import NotFound, PermissionDenied, ValidationError
from workbench.members.models import Member, Role, Staff
from workbench.usecases.base import UnitOfWork, require_role

# Who sees the sync's open issues (ids, field names and reasons only; no values)
ISSUE_READERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

if TYPE_CHECKING:
    from workbench.crm.sync import CheckReport, HeldIdentity, OdooSync

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

    id: int
    kind: str
    model: str
    odoo_id: int | None
    member_id: int | None
    field_names: str
    reason: str
    member_no: str | None = None  # the member as lists show one (the number: no values here)
    first_run: int | None = None
    last_run: int | None = None
    seen: int = 1  # runs that met it
    closing: str = ""  # "" open, resolved, dismissed


@dataclass(frozen=True)
class IssuePage:
    """A page of the issues still open (or, `everything`, of all of them), oldest first."""

    issues: list[IssueRow]
    total: int  # how many there are in all, not only on this page
    page: int
    pages: int
    run: RunSummary | None = None  # the run they are limited to, if one was asked for


@dataclass(frozen=True)
class ReviewRow:
    """An identity change a pull held: ids and field names, never values."""

    id: int
    member_no: str
    partner_id: int
    field_names: str
    linked: bool  # the member's own partner changed (else: another partner on their mobile)
    held_at: datetime
    status: str


class OdooDesk:
    def __init__(
        self, *, uow: UnitOfWork, sync: OdooSync | None, clock: Clock, audit: AuditLog
    ) -> None:
        self.uow = uow
        self.sync = sync  # None: no [odoo] host configured
        self.clock = clock
        self.audit = audit

    def offers_issues(self, actor: Staff) -> bool:
        """Whether the desk offers this person the sync's issues (the home screen's key)."""
        return self.sync is not None and actor.role in ISSUE_READERS

    def offers_reviews(self, actor: Staff) -> bool:
        """Whether the desk offers this person the held identity changes."""
        return self.sync is not None and actor.role in REVIEWERS

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

    def issues(
        self,
        actor: Staff,
        *,
        page: int = 1,
        page_size: int = 50,
        everything: bool = False,
        run_id: int | None = None,
    ) -> IssuePage:
        """The issues still open, across runs, until resolved or dismissed (`everything`: the
        closed ones too; `run_id`: those that run met), a page at a time with the total
        (administrators and supervisors; only administrators dismiss them)."""
        require_role(actor, ISSUE_READERS, "list the Odoo sync's issues")
        if page < 1 or not 1 <= page_size <= 1000:
            raise ValidationError("page", "pages are numbered from 1, of 1 to 1000 issues")
        with self.uow.read() as session:
            run = None
            where = []
            if run_id is not None:
                found_run = session.get(SyncRun, run_id)
                if found_run is None or found_run.id is None:
                    raise NotFound(f"no Odoo sync run {run_id}")
                run = RunSummary(
                    found_run.id, found_run.direction, found_run.outcome, found_run.started_at
                )
                where.append(
                    or_(col(SyncIssue.run_id) == run_id, col(SyncIssue.last_run_id) == run_id)
                )
            if not everything:
                where.append(col(SyncIssue.closed_at).is_(None))
            total = int(
                session.scalar(select(func.count()).select_from(SyncIssue).where(*where)) or 0
            )
            found = list(
                session.scalars(
                    select(SyncIssue)
                    .where(*where)
                    .order_by(col(SyncIssue.id))
                    .offset((page - 1) * page_size)
                    .limit(page_size)
                )
            )
            ids = {i.member_id for i in found if i.member_id is not None}
            numbers = dict(
                session.execute(
                    select(col(Member.id), col(Member.member_no)).where(col(Member.id).in_(ids))
                ).all()
            )
            rows = [
                IssueRow(
                    saved_id(i),
                    i.kind,
                    i.model,
                    i.odoo_id,
                    i.member_id,
                    i.field_names,
                    i.reason,
                    numbers.get(i.member_id) if i.member_id is not None else None,
                    i.run_id,
                    i.last_run_id,
                    i.seen,
                    i.closing,
                )
                for i in found
            ]
        return IssuePage(rows, total, page, max(1, -(-total // page_size)), run)

    def dismiss_issue(self, actor: Staff, issue_id: int) -> IssueRow:
        """An administrator decides an open issue needs nothing more: it leaves the list."""
        _require_admin(actor)
        with self.uow.write() as session:
            issue = session.get(SyncIssue, issue_id)
            if issue is None:
                raise NotFound(f"no Odoo sync issue {issue_id}: see `workbench odoo issues`")
            if issue.closed_at is not None:
                raise ValidationError("issue", f"issue {issue_id} is {issue.closing} already")
            issue.closed_at, issue.closing, issue.closed_by = (
                self.clock.now(),
                "dismissed",
                actor.id,
            )
            self.audit.record(
                session,
                action="odoo_issue_dismiss",
                result="ok",
                actor_id=actor.id,
                detail={"issue": issue_id, "model": issue.model, "odoo_id": issue.odoo_id},
            )
            return IssueRow(
                issue_id,
                issue.kind,
                issue.model,
                issue.odoo_id,
                issue.member_id,
                issue.field_names,
                issue.reason,
                None,
                issue.run_id,
                issue.last_run_id,
                issue.seen,
                issue.closing,
            )

    def identity_reviews(self, actor: Staff) -> list[ReviewRow]:
        """Identity changes pulled from Odoo and held, oldest first (customer service)."""
        require_role(actor, REVIEWERS, "review identity changes from Odoo")
        with self.uow.read() as session:
            rows = session.execute(
                select(IdentityReview, col(Member.member_no))
                .join(Member, col(Member.id) == col(IdentityReview.member_id))
                .where(col(IdentityReview.status) == "pending")
                .order_by(col(IdentityReview.id))
            ).all()
            return [_review_row(review, member_no) for review, member_no in rows]

    def held_identity(self, actor: Staff, review_id: int) -> HeldIdentity:
        """A held change's values as Odoo has them now beside the member's, masked, so the
        reviewer can decide."""
        require_role(actor, REVIEWERS, "review identity changes from Odoo")
        return self._sync().held_identity(review_id, actor=actor)

    def apply_identity(self, actor: Staff, review_id: int) -> SyncReport:
        """Takes the held partner as Odoo has it now, if unchanged since it was held."""
        require_role(actor, REVIEWERS, "review identity changes from Odoo")
        sync = self._sync()
        self._pending(review_id)
        return sync.apply_review(review_id, actor=actor)

    def reject_identity(self, actor: Staff, review_id: int) -> ReviewRow:
        """The member stays as they are; the partner is not taken while it stays so."""
        require_role(actor, REVIEWERS, "review identity changes from Odoo")
        with self.uow.write() as session:
            review = session.get(IdentityReview, review_id)
            if review is None or review.status != "pending":
                raise NotFound(f"no identity change {review_id} waiting for review")
            review.status, review.decided_at = "rejected", self.clock.now()
            review.decided_by = actor.id
            self.audit.record(
                session,
                action="odoo_identity_reject",
                result="ok",
                actor_id=actor.id,
                detail={"review": review_id, "partner": review.partner_id},
            )
            member_no = session.get_one(Member, review.member_id).member_no
            return _review_row(review, member_no)

    def _pending(self, review_id: int) -> None:
        with self.uow.read() as session:
            review = session.get(IdentityReview, review_id)
            if review is None or review.status != "pending":
                raise NotFound(f"no identity change {review_id} waiting for review")

    def _sync(self) -> OdooSync:
        if self.sync is None:
            raise OdooNotConfigured(NOT_CONFIGURED)
        return self.sync


def _require_admin(actor: Staff) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(
            f"only an admin may run the Odoo sync; {actor.username} is {actor.role}"
        )


def _review_row(review: IdentityReview, member_no: str) -> ReviewRow:
    return ReviewRow(
        saved_id(review),
        member_no,
        review.partner_id,
        review.field_names,
        review.linked,
        review.held_at,
        review.status,
    )
