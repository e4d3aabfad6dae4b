"""Member statistics and KPIs on both backends: the exact figures of a known world, small groups
hidden (and not to be worked out from the totals), who sees what, exports, the audit, and the
same figures as the complaint analysis."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.statistics_data import CURRENT, populate
from workbench.audit.models import AuditEntry
from workbench.errors import ValidationError
from workbench.members.models import Member, MemberStatus, Purchase, Store
from workbench.permissions.access import AccessDenied


@pytest.fixture
def stats_world(wb, world):
    return populate(wb, world)


def _by_store(stats):
    return {row.store: row for row in stats.stores}


def test_member_figures_of_a_known_world(wb, world, stats_world):
    stats = wb.statistics.members(world.staff["supervisor"], wb.statistics.period())
    assert stats.tiers == ("regular", "silver", "gold", "platinum")
    rows = _by_store(stats)
    assert list(rows) == ["BJ01", "SH01"]  # head office has no members of its own
    sh, bj, total = rows["SH01"], rows["BJ01"], stats.total
    assert sh.members == 13 and sh.tiers == {"regular": 8, "silver": 5, "gold": 0, "platinum": 0}
    assert sh.joined is None and sh.ended == 0  # one joined: a group of one is hidden
    assert (sh.active, sh.active_pct) == (7, 53.8)
    assert (sh.spend, sh.spend_per_active) == (Decimal("750.00"), Decimal("107.14"))
    assert (sh.visits, sh.visits_per_active) == (8, 1.14)
    assert (sh.points_issued, sh.points_redeemed, sh.points_expired) == (870, None, 50)
    assert (sh.participants, sh.participation_pct) == (6, 46.2)
    assert (sh.retention_cohort, sh.retention_pct, sh.churn_pct) == (10, 50.0, 50.0)
    assert (sh.satisfaction_scores, sh.satisfaction_average) == (5, 4.6)
    assert bj.members == 5 and bj.ended is None and bj.active == 0 and bj.active_pct == 0.0
    assert bj.spend_per_active is None and bj.retention_pct is None
    assert total.members == 18 and total.tiers["regular"] == 13
    assert (total.active, total.active_pct, total.participation_pct) == (7, 38.9, 33.3)
    assert total.joined is None and total.ended is None and total.points_redeemed is None
    assert total.spend == Decimal("750.00") and total.satisfaction_average == 4.6


def test_a_shorter_period_counts_only_its_own_days(wb, world, stats_world):
    period = wb.statistics.period(first=date(2025, 6, 1), after_last=date(2025, 6, 2))
    sh = _by_store(wb.statistics.members(world.staff["analyst"], period))["SH01"]
    assert sh.active == 7 and sh.visits == 7 and sh.spend == Decimal("700.00")
    assert sh.retention_cohort == 0 and sh.points_expired == 0 and sh.satisfaction_scores == 0
    recent = wb.statistics.members(world.staff["analyst"], wb.statistics.period(months=3))
    assert _by_store(recent)["SH01"].active == 0


def test_members_who_left_are_churn_unless_they_left_before_the_period(wb, world, stats_world):
    from tests.statistics_data import PREVIOUS, _member, _purchase

    with wb.sessions() as session:
        sh01 = session.scalar(select(Store.id).where(Store.code == "SH01"))
        for n, left in enumerate(["2025-10-01"] * 3 + ["2025-01-01"] * 2):
            member = session.get(Member, _member(session, sh01, f"L{n}", "regular"))
            member.status = MemberStatus.TERMINATED
            member.terminated_at = datetime.fromisoformat(left).replace(tzinfo=UTC)
            _purchase(session, member.id, sh01, "80.00", PREVIOUS, points=False)
        session.commit()
    sh = _by_store(wb.statistics.members(world.staff["analyst"], wb.statistics.period()))["SH01"]
    assert sh.members == 13 and sh.retention_cohort == 13  # 10, and the 3 who left this period
    assert (sh.retention_pct, sh.churn_pct) == (38.5, 61.5)


def test_a_small_store_cannot_be_worked_out_from_the_total(wb, world, stats_world):
    with wb.sessions() as session:
        bj01 = session.scalar(select(Store.id).where(Store.code == "BJ01"))
        session.add(
            Purchase(
                member_id=stats_world.bj01[0],
                store_id=bj01,
                amount=Decimal("999.00"),
                occurred_at=CURRENT,
            )
        )
        session.commit()
    stats = wb.statistics.members(world.staff["analyst"], wb.statistics.period())
    rows = _by_store(stats)
    assert rows["BJ01"].active is None and rows["BJ01"].spend is None  # one active member
    # SH01's are hidden too, or total minus SH01 would give BJ01's one buyer away.
    assert rows["SH01"].active is None and rows["SH01"].spend is None
    assert rows["SH01"].spend_per_active is None and rows["SH01"].active_pct is None
    assert stats.total.active == 8 and stats.total.spend == Decimal("1749.00")


def test_kpis_of_agents_and_branches(wb, world, stats_world):
    kpis = wb.statistics.kpis(world.staff["supervisor"], wb.statistics.period())
    (agent,) = kpis.agents
    assert agent.username == "agent"
    assert (agent.calls, agent.reached, agent.reach_rate_pct) == (4, 2, 50.0)
    assert agent.callbacks_done == 3
    assert (agent.complaints_closed, agent.complaints_resolved) == (6, 5)
    assert (agent.satisfaction_scores, agent.satisfaction_average) == (5, 4.6)
    branches = {b.store: b for b in kpis.branches}
    sh = branches["SH01"]
    assert (sh.cards_issued, sh.members, sh.active, sh.complaints) == (6, 13, 7, 6)
    assert (sh.complaint_rate, sh.satisfaction_average) == (461.5, 4.6)
    assert branches["BJ01"].complaints == 0 and branches["BJ01"].satisfaction_average is None
    assert (kpis.total.members, kpis.total.complaint_rate) == (18, 333.3)


def test_agents_satisfaction_over_too_few_scores_is_hidden(wb, world, stats_world):
    wb.statistics.min_group_size = 6  # the agent has five scores
    kpis = wb.statistics.kpis(world.staff["supervisor"], wb.statistics.period())
    assert kpis.agents[0].satisfaction_scores == 5
    assert kpis.agents[0].satisfaction_average is None
    assert kpis.agents[0].complaints_resolved == 5  # staff figures stay


def test_the_same_figures_as_the_complaint_analysis(wb, world, stats_world):
    period = wb.statistics.period()
    supervisor = world.staff["supervisor"]
    analysis = wb.complaint_reports.report(supervisor, start=period.start, end=period.end)
    own = wb.complaint_reports.report(
        supervisor, start=period.start, end=period.end, store_code="SH01"
    )
    branches = {b.store: b for b in wb.statistics.kpis(supervisor, period).branches}
    stores = _by_store(wb.statistics.members(supervisor, period))
    assert branches["SH01"].complaints == analysis.by_store["SH01"] == 6
    assert stores["SH01"].satisfaction_average == own.satisfaction_average == 4.6
    assert stores["SH01"].satisfaction_scores == sum(own.satisfaction_scores.values())


def test_who_sees_what(wb, world, stats_world):
    period = wb.statistics.period()
    staff = world.staff
    for role in ("analyst", "dept_head", "admin"):
        assert [r.store for r in wb.statistics.members(staff[role], period).stores] == [
            "BJ01",
            "SH01",
        ]
    own = wb.statistics.members(staff["manager_own"], period)
    assert [r.store for r in own.stores] == ["SH01"] and own.total.members == 13
    mine = wb.statistics.kpis(staff["manager_own"], period)
    assert [b.store for b in mine.branches] == ["SH01"] and mine.agents == ()  # hotline is HQ's
    with pytest.raises(AccessDenied, match="own store"):
        wb.statistics.members(staff["manager_other"], period, store_code="SH01")
    with pytest.raises(AccessDenied, match="member statistics"):
        wb.statistics.members(staff["agent"], period)
    agent_own = wb.statistics.kpis(staff["agent"], period)
    assert [a.username for a in agent_own.agents] == ["agent"] and agent_own.branches == ()
    assert agent_own.total is None
    branch_agent = wb.statistics.kpis(staff["agent_branch"], period)
    assert [(a.username, a.calls) for a in branch_agent.agents] == [("agent_bj", 0)]
    with pytest.raises(AccessDenied):
        wb.statistics.kpis(staff["sales_own"], period)
    only = wb.statistics.members(staff["analyst"], period, store_code="BJ01")
    assert [r.store for r in only.stores] == ["BJ01"] and only.total.members == 5
    with pytest.raises(ValidationError, match="no store"):
        wb.statistics.members(staff["analyst"], period, store_code="XX99")


def test_exports_for_export_roles_only_and_every_report_audited(wb, world, stats_world):
    period = wb.statistics.period()
    with pytest.raises(AccessDenied, match="may not export"):
        wb.statistics.members(world.staff["analyst"], period, export=True)
    wb.statistics.members(world.staff["supervisor"], period, export=True)
    wb.statistics.kpis(world.staff["analyst"], period)
    with wb.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.detail.like('%"report"%')).order_by(AuditEntry.seq)
        ).all()
    seen = [(e.action, e.result, e.actor_id, e.purpose) for e in entries]
    assert seen == [
        ("export", "denied", world.staff["analyst"].id, "export"),
        ("export", "allowed", world.staff["supervisor"].id, "export"),
        ("aggregate", "allowed", world.staff["analyst"].id, ""),
    ]
    assert '"member_statistics"' in entries[1].detail and '"kpis"' in entries[2].detail


def test_an_inactive_staff_member_gets_nothing(wb, world, stats_world):
    analyst = world.staff["analyst"]
    analyst.active = False
    with pytest.raises(AccessDenied, match="not an active"):
        wb.statistics.members(analyst, wb.statistics.period())


def test_the_dashboard_period_takes_any_instants(wb, world, stats_world, clock):
    from workbench.statistics.period import Period

    now = clock.advance(hours=1)
    kpis = wb.statistics.kpis(
        world.staff["supervisor"], Period(now - timedelta(days=90), now), branches=False
    )
    assert kpis.branches == () and kpis.total is None
    assert kpis.agents[0].calls == 4


def test_the_demo_seed_gives_statistics_that_look_real(wb):
    from workbench.demo.seed import seed
    from workbench.members.models import Staff

    seed(wb, members=300, stores=2, random_seed=7, complaints=20)
    with wb.sessions() as session:
        analyst = session.scalar(select(Staff).where(Staff.username == "analyst1"))
    stats = wb.statistics.members(analyst, wb.statistics.period())
    total = stats.total
    assert len(stats.stores) == 2 and total.members > 250
    assert 0 < total.active_pct < 100 and total.spend > 0 and total.visits_per_active > 1
    assert total.points_issued > total.points_redeemed > 0 and total.points_expired is not None
    assert 5 < total.participation_pct < 40  # member activities: about a fifth take part
    assert 0 < total.retention_pct < 100 and total.retention_cohort > 100
    kpis = wb.statistics.kpis(analyst, wb.statistics.period())
    care = {a.username: a for a in kpis.agents}["care1"]
    assert care.calls > 0 and care.reach_rate_pct is not None
    assert sum(a.complaints_closed for a in kpis.agents) > 0 and kpis.total.cards_issued > 0


def test_the_overview_is_both_reports_from_one_set_of_queries(wb, world, stats_world):
    from sqlalchemy import event

    period = wb.statistics.period()
    supervisor = world.staff["supervisor"]
    statements = []
    event.listen(wb.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    stats, kpis = wb.statistics.overview(supervisor, period)
    shared = len([s for s in statements if "FROM purchase" in s])
    assert stats == wb.statistics.members(supervisor, period)
    assert kpis == wb.statistics.kpis(supervisor, period)
    assert shared == 1  # purchases read once for both
    stats, kpis = wb.statistics.overview(world.staff["agent"], period)
    assert stats is None and [a.username for a in kpis.agents] == ["agent"]
