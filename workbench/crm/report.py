"""What a sync run did: counts, the records it skipped and the conflicts it met (kept in
crm_sync_issue for the operator), and model-level problems it went on past."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypedDict

from sqlalchemy import ColumnElement, select, update
from sqlmodel import Session, col

from workbench.clock import Clock
from workbench.crm.models import SyncIssue
from workbench.db.copy_insert import any_of

log = logging.getLogger(__name__)
SHOWN_ISSUES = 200  # kept in memory for the summary; all of them are in the table

# progress(stage, done, total): the CLI draws a bar from it
Progress = Callable[[str, int, int | None], None]


def no_progress(stage: str, done: int, total: int | None) -> None:
    pass


@dataclass(frozen=True)
class Issue:
    kind: str  # skipped, dropped, archived, conflict
    model: str
    odoo_id: int | None
    member_id: int | None
    field_names: str
    reason: str


class RunSummary(TypedDict):
    """What crm_sync_run.summary holds (as JSON)."""

    counts: dict[str, int]
    issues: dict[str, int]
    failures: list[str]
    warnings: list[str]


@dataclass
class SyncReport:
    direction: str
    run_id: int | None = None
    counts: Counter[str] = field(default_factory=Counter)
    issues: list[Issue] = field(default_factory=list)
    issue_counts: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # model-level: that part did not run
    warnings: list[str] = field(default_factory=list)  # e.g. a push field Odoo lacks
    round_trips: int = 0
    seconds: float = 0.0

    @property
    def outcome(self) -> str:
        return "incomplete" if self.failures else "ok"

    def summary(self) -> RunSummary:
        return {
            "counts": dict(self.counts),
            "issues": dict(self.issue_counts),
            "failures": self.failures,
            "warnings": self.warnings,
        }


class Recorder:
    """Writes issues in the caller's transaction, and counts and keeps them for the report."""

    def __init__(self, report: SyncReport, clock: Clock) -> None:
        if report.run_id is None:
            raise RuntimeError("the sync run must be saved before its issues are recorded")
        self.report = report
        self.run_id = report.run_id
        self.clock = clock
        self._seen: set[Issue] = set()  # a record read twice in a run is reported once
        # PostgreSQL pulls write a page of orders in two threads (crm/pull.py): one at a time
        self._lock = threading.Lock()

    def skip(
        self,
        session: Session,
        model: str,
        odoo_id: int | None,
        reason: str,
        *,
        field_names: str = "",
        member_id: int | None = None,
        version: str = "",
    ) -> None:
        self._add(session, "skipped", model, odoo_id, member_id, field_names, reason, version)

    def drop(
        self,
        session: Session,
        model: str,
        odoo_id: int | None,
        reason: str,
        *,
        field_names: str = "",
        member_id: int | None = None,
        version: str = "",
    ) -> None:
        """An optional value that failed validation was left out; the record was taken."""
        self._add(session, "dropped", model, odoo_id, member_id, field_names, reason, version)

    def archived(
        self,
        session: Session,
        model: str,
        odoo_id: int,
        reason: str,
        *,
        member_id: int,
        version: str = "",
    ) -> None:
        """A member's record archived in Odoo: listed for someone to decide."""
        self._add(session, "archived", model, odoo_id, member_id, "active", reason, version)

    def resolve(
        self, session: Session, model: str, odoo_ids: Collection[int], *, kind: str = "skipped"
    ) -> None:
        """These records went through this time (`dropped`: whole): what was skipped (dropped)
        of them on this side is resolved (conflicts stay until an administrator dismisses
        them)."""
        if not odoo_ids:
            return
        session.flush()  # issues met in this transaction are among those it may resolve
        resolved = session.connection().execute(
            update(SyncIssue)
            .where(
                col(SyncIssue.closed_at).is_(None),
                col(SyncIssue.kind) == kind,
                col(SyncIssue.model) == model,
                col(SyncIssue.direction) == self.report.direction,
                any_of(session, col(SyncIssue.odoo_id), sorted(odoo_ids)),
            )
            .values(closed_at=self.clock.now(), closing="resolved")
        )
        self.report.counts["issues_resolved"] += resolved.rowcount or 0

    def conflict(
        self,
        session: Session,
        model: str,
        odoo_id: int | None,
        reason: str,
        *,
        field_names: str = "",
        member_id: int | None = None,
        version: str = "",
    ) -> None:
        self._add(session, "conflict", model, odoo_id, member_id, field_names, reason, version)

    def _add(
        self,
        session: Session,
        kind: str,
        model: str,
        odoo_id: int | None,
        member_id: int | None,
        field_names: str,
        reason: str,
        version: str = "",
    ) -> None:
        """One open issue per record and kind (and dropped field): met again, it is updated, not
        listed twice; the same version of a record whose issue was dismissed is not listed
        again, another version is."""
        issue = Issue(kind, model, odoo_id, member_id, field_names[:200], reason[:300])
        with self._lock:  # the pull's order writers share one recorder
            self._add_locked(session, issue, version)

    def _add_locked(self, session: Session, issue: Issue, version: str) -> None:
        kind, model, odoo_id, member_id = issue.kind, issue.model, issue.odoo_id, issue.member_id
        if issue in self._seen:
            return
        self._seen.add(issue)
        version = version[:32]
        same = [
            col(SyncIssue.model) == model,
            col(SyncIssue.kind) == kind,
            col(SyncIssue.direction) == self.report.direction,
        ]
        if odoo_id is None:  # no record to tell them apart: the reason does
            same += [col(SyncIssue.odoo_id).is_(None), col(SyncIssue.reason) == issue.reason]
        else:
            same.append(col(SyncIssue.odoo_id) == odoo_id)
        if kind == "dropped":  # each value left out is its own issue
            same.append(col(SyncIssue.field_names) == issue.field_names)
        known = session.scalar(
            select(SyncIssue)
            .where(*same, col(SyncIssue.closed_at).is_(None))
            .order_by(col(SyncIssue.id))
            .limit(1)
        )
        if known is None and version and self._dismissed(session, same, version):
            self.report.counts["issues_dismissed_before"] += 1
            return
        if known is not None:  # still open from an earlier run: met again, listed once
            if known.last_run_id != self.run_id:
                known.seen += 1
                known.last_run_id = self.run_id
            known.field_names, known.member_id = issue.field_names, member_id
            known.reason, known.record_version = issue.reason, version
        else:
            session.add(
                SyncIssue(
                    run_id=self.run_id,
                    at=self.clock.now(),
                    kind=kind,
                    model=model,
                    odoo_id=odoo_id,
                    member_id=member_id,
                    field_names=issue.field_names,
                    reason=issue.reason,
                    direction=self.report.direction,
                    last_run_id=self.run_id,
                    record_version=version,
                )
            )
        self.report.issue_counts[kind] += 1
        if len(self.report.issues) < SHOWN_ISSUES:
            self.report.issues.append(issue)
        log.info(
            "odoo %s %s %s id=%s member=%s: %s",
            self.report.direction,
            kind,
            model,
            odoo_id,
            member_id,
            issue.reason,
        )

    @staticmethod
    def _dismissed(session: Session, same: list[ColumnElement[bool]], version: str) -> bool:
        """Whether an administrator dismissed this issue on this very version of the record."""
        query = select(col(SyncIssue.id)).where(
            *same,
            col(SyncIssue.closing) == "dismissed",
            col(SyncIssue.record_version) == version,
        )
        return session.scalar(query.limit(1)) is not None
