"""The boards staff watch, each read in one call: the home screen's (my live grants, my open
complaints, the callbacks due) and the supervisor dashboard's (complaint figures and board,
campaign progress, agents' KPIs over a period). Also the reporting period the report commands
take from their options."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from workbench.callbacks.campaigns import CampaignProgress
from workbench.clock import Clock
from workbench.complaints.analytics import ComplaintReport
from workbench.complaints.queries import OpenComplaint
from workbench.complaints.reports import REPORT_ROLES, ComplaintReports
from workbench.db.ids import saved_id
from workbench.members.models import Staff
from workbench.permissions.access import MemberAccess
from workbench.statistics.figures import Kpis
from workbench.statistics.period import Period
from workbench.statistics.service import Statistics
from workbench.usecases.callbacks import CallbackDesk
from workbench.usecases.complaints import ComplaintDesk

if TYPE_CHECKING:
    from workbench.bootstrap import Services

DASHBOARD_PERIOD = timedelta(days=90)


@dataclass(frozen=True)
class LiveGrant:
    """One of the actor's live access grants, as the home screen lists it. Grants of one member
    from one source (a call, a callback, a ticket) made again while the last is still live read
    as one: from the earliest start to the latest end (live together, they overlap, so the
    span is unbroken), under the id of the one that ends last."""

    grant_id: int
    member_id: int
    member_no: str
    masked_name: str
    source: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class HomeBoard:
    grants: list[LiveGrant]
    my_complaints: list[OpenComplaint]
    callbacks_due: int | None  # None: the actor's role takes no callbacks


@dataclass(frozen=True)
class Dashboard:
    period: Period
    report: ComplaintReport
    states: dict[str, int | None]  # complaints by state (small counts hidden where they must)
    breached: list[OpenComplaint]  # escalated open complaints
    campaigns: list[CampaignProgress]  # active and paused campaigns
    kpis: Kpis  # agents' KPIs (no branches)


class DashboardDesk:
    def __init__(
        self,
        *,
        clock: Clock,
        access: MemberAccess,
        complaints: ComplaintDesk,
        callbacks: CallbackDesk,
        reports: ComplaintReports,
        statistics: Statistics,
    ) -> None:
        self.clock = clock
        self.access = access
        self.complaints = complaints
        self.callbacks = callbacks
        self.reports = reports
        self.statistics = statistics

    def home(self, actor: Staff) -> HomeBoard:
        return HomeBoard(
            grants=self.live_grants(actor),
            my_complaints=self.complaints.mine(actor),
            callbacks_due=self.callbacks.due_count(actor),
        )

    def offered(self, actor: Staff) -> bool:
        """Whether the dashboard is for `actor` at all (its reports refuse other roles)."""
        return actor.role in REPORT_ROLES

    def live_grants(self, actor: Staff) -> list[LiveGrant]:
        """The actor's own live grants (never anyone else's), once per member and source,
        soonest to end first."""
        merged: dict[tuple[int, str], LiveGrant] = {}
        for grant, member_no, masked in self.access.live_grants_overview(saved_id(actor)):
            key = (grant.member_id, str(grant.source))
            seen = merged.get(key)
            starts = grant.starts_at if seen is None else min(seen.starts_at, grant.starts_at)
            if seen is not None and seen.ends_at > grant.ends_at:
                merged[key] = replace(seen, starts_at=starts)
                continue
            merged[key] = LiveGrant(
                saved_id(grant), grant.member_id, member_no, masked, key[1], starts, grant.ends_at
            )
        return sorted(merged.values(), key=lambda g: (g.ends_at, g.grant_id))

    def supervisor(self, actor: Staff, *, period: timedelta = DASHBOARD_PERIOD) -> Dashboard:
        """The dashboard over the last `period`, as the actor may have it (the reports check
        the role, hide small groups and audit the reads)."""
        now = self.clock.now()
        span = Period(now - period, now)
        report = self.reports.report(actor, start=span.start, end=span.end)
        kpis = self.statistics.kpis(actor, span, branches=False)
        states, breached = self.reports.board(actor)
        return Dashboard(
            period=span,
            report=report,
            states=states,
            breached=breached,
            campaigns=self.callbacks.running_progress(),
            kpis=kpis,
        )


def dashboard_desk(
    s: Services, complaints: ComplaintDesk, callbacks: CallbackDesk
) -> DashboardDesk:
    """The dashboard reads through the complaint and callback desks the container built."""
    return DashboardDesk(
        clock=s.clock,
        access=s.access,
        complaints=complaints,
        callbacks=callbacks,
        reports=s.complaint_reports,
        statistics=s.statistics,
    )
