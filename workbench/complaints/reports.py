"""Complaint reports as a staff member may have them: scope by role, small groups hidden for
aggregate-only roles, and an audit entry for every report and export."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.complaints.analytics import ComplaintReport, complaint_report
from workbench.complaints.queries import OpenComplaint, counts_by_state, open_complaints
from workbench.db.engine import immediate_session
from workbench.masking.groups import COMPLEMENT, protect_breakdown
from workbench.members.models import Role, Staff, Store
from workbench.permissions.access import AccessDenied

REPORT_ROLES = {Role.SUPERVISOR, Role.ADMIN, Role.DEPARTMENT_HEAD, Role.ANALYST, Role.STORE_MANAGER}
AGGREGATE_ONLY = {Role.ANALYST, Role.STORE_MANAGER}
GROUPED = ("by_category", "by_cause", "by_department", "by_store", "by_channel", "weekly")
ROLLUP = "complaints"


class RollupStore(Protocol):
    """Where report rollups are kept (statistics/rollups.py; complaints sit below statistics,
    so the store is handed in)."""

    def now(self) -> datetime: ...

    def fresh(self, session: Session, report: str, key: str) -> tuple[Any, datetime] | None: ...

    def keep(self, session: Session, report: str, key: str, data: Any, at: datetime) -> None: ...


def period_key(start: datetime, end: datetime) -> str:
    return f"{start.isoformat()}/{end.isoformat()}"


class ComplaintReports:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        audit: AuditLog,
        min_group_size: int,
        export_roles: set[str],
        rollups: RollupStore | None = None,
    ) -> None:
        self.sessions = sessions
        self.audit = audit
        self.min_group_size = min_group_size
        self.export_roles = set(export_roles)
        self.rollups = rollups

    def report(
        self,
        actor: Staff,
        *,
        start: datetime,
        end: datetime,
        store_code: str | None = None,
        export: bool = False,
    ) -> ComplaintReport:
        with immediate_session(self.sessions) as session:
            why = None
            if actor.role not in REPORT_ROLES:
                why = f"{actor.role} may not read complaint reports"
            elif export and str(actor.role) not in self.export_roles:
                why = f"{actor.role} may not export reports"
            elif actor.role == Role.STORE_MANAGER:
                own = session.scalar(select(col(Store.code)).where(col(Store.id) == actor.store_id))
                if store_code not in (None, own):
                    why = "a store manager reports on their own store only"
                store_code = own
            action = "export" if export else "aggregate"
            if why:
                self.audit.record(
                    session,
                    action=action,
                    result="denied",
                    actor_id=actor.id,
                    detail={"report": "complaints", "why": why},
                )
                session.commit()
                raise AccessDenied(why)
            report = self._rolled(session, start, end, store_code) or complaint_report(
                session, start=start, end=end, store_code=store_code
            )
            self.audit.record(
                session,
                action=action,
                result="allowed",
                actor_id=actor.id,
                detail={
                    "report": "complaints",
                    "store": store_code,
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                },
            )
            session.commit()
        if actor.role in AGGREGATE_ONLY:
            report = self._suppress(report)
        return report

    def refresh_rollup(self, *, start: datetime, end: datetime) -> None:
        """Computes the report of every store for [start, end) directly and keeps its raw
        figures as that period's rollup (the scheduler's job, for the default period)."""
        if self.rollups is None:
            return
        at = self.rollups.now()
        with self.sessions() as session:
            report = complaint_report(session, start=start, end=end)
        with immediate_session(self.sessions) as session:
            self.rollups.keep(session, ROLLUP, period_key(start, end), report.figures(), at)
            session.commit()

    def _rolled(
        self, session: Session, start: datetime, end: datetime, store_code: str | None
    ) -> ComplaintReport | None:
        """The rollup of the whole report for [start, end), if there is a fresh one (one store's
        report is computed directly: it reads a fortieth of the complaints)."""
        if self.rollups is None or store_code is not None:
            return None
        found = self.rollups.fresh(session, ROLLUP, period_key(start, end))
        if found is None:
            return None
        data, as_of = found
        return ComplaintReport.from_figures(
            data, start=start, end=end, store_code=None, as_of=as_of
        )

    def board(
        self, actor: Staff, *, limit: int = 200
    ) -> tuple[dict[str, int | None], list[OpenComplaint]]:
        """The dashboard's live view, as `actor` may have it: complaints by state (small counts
        hidden from aggregate-only roles) and the escalated open complaints (not for analysts,
        who get no rows; a store manager's own store only)."""
        if actor.role not in REPORT_ROLES:
            raise AccessDenied(f"{actor.role} may not read the complaint board")
        store_id = actor.store_id if actor.role == Role.STORE_MANAGER else None
        with self.sessions() as session:
            states: dict[str, int | None] = dict(counts_by_state(session, store_id=store_id))
            escalated = (
                []
                if actor.role == Role.ANALYST
                else open_complaints(session, min_escalation=2, store_id=store_id, limit=limit)
            )
        if actor.role in AGGREGATE_ONLY:
            states = {
                state: (n if n is not None and n >= self.min_group_size else None)
                for state, n in states.items()
            }
        return states, escalated

    def _suppress(self, report: ComplaintReport) -> ComplaintReport:
        """Every figure computed over fewer complaints (or members) than the minimum group size
        is withheld, so no one can be singled out: grouped counts become None, and so do the
        totals, times, rates and averages whose base is that small (a median of two complaints,
        or the average score of one, tells about those members)."""
        minimum = self.min_group_size
        # Each breakdown adds up to a shown total: a hidden count must not be its difference,
        # so the smallest other count goes too (a complement: not under the minimum itself).
        why = {name: protect_breakdown(getattr(report, name), minimum) for name in GROUPED}
        why["satisfaction_scores"] = protect_breakdown(report.satisfaction_scores, minimum)
        grouped = {
            name: {k: (None if k in why[name] else n) for k, n in getattr(report, name).items()}
            for name in GROUPED
        }
        scores = {
            k: (None if k in why["satisfaction_scores"] else n)
            for k, n in report.satisfaction_scores.items()
        }
        complements = {
            name: [str(k) for k, w in sorted(reasons.items(), key=str) if w == COMPLEMENT]
            for name, reasons in why.items()
            if COMPLEMENT in reasons.values()
        }
        bases = {
            "total": report.total,
            "closed": report.closed,
            "open": report.open,
            "responded": report.responded,
            "resolved": report.resolved,
            "reopen_rate_pct": report.total,
            "repeat_complainers": report.repeat_complainers,
            "first_response_hours_median": report.responded,
            "first_response_hours_p90": report.responded,
            "first_response_on_time_pct": report.responded,
            "resolution_hours_median": report.resolved,
            "resolution_hours_p90": report.resolved,
            "resolution_on_time_pct": report.resolved,
            "satisfaction_average": sum(report.satisfaction_scores.values()),
        }
        # A zero is no one: nothing to hide (and "none" is worth knowing).
        hidden = [name for name, base in bases.items() if base and base < minimum]
        # By name, and None where a figure is withheld: more than the dataclass's types say.
        changes: dict[str, Any] = {
            "satisfaction_scores": scores,
            "hidden": hidden,
            "complements": complements,
            **{name: None for name in hidden},
            **grouped,
        }
        return replace(report, **changes)
