"""Complaint analysis figures, the report's access rules, and the CLI that prints them."""

from datetime import timedelta

import pytest

from workbench.complaints.service import ComplaintIntake
from workbench.permissions.access import AccessDenied


def _complaint(wb, world, category="billing", score=None, reopen=False, respond=True):
    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        c = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category=category,
                description="问题描述",
                member_no=world.member_no,
            ),
            actor=agent,
        )
        number = c.complaint_no
        if respond:
            wb.complaints.reply(session, complaint_no=number, actor=agent, note="已联系")
        wb.complaints.assign(session, complaint_no=number, department="finance", actor=supervisor)
        wb.complaints.investigate(session, complaint_no=number, actor=agent)
        rounds = [2, score] if reopen else [score]
        for s in rounds:
            if s is None:
                break
            wb.complaints.propose(
                session,
                complaint_no=number,
                root_cause="system_error",
                responsible_party="IT",
                plan="修复",
                actor=agent,
            )
            wb.complaints.approve(session, complaint_no=number, actor=supervisor)
            wb.complaints.inform(session, complaint_no=number, actor=agent)
            wb.complaints.record_satisfaction(session, complaint_no=number, score=s, actor=agent)
        session.commit()


def test_report_figures(wb, world, clock):
    start = clock.now()
    _complaint(wb, world, score=5)
    clock.advance(hours=2)
    _complaint(wb, world, score=4, reopen=True)
    clock.advance(days=7)
    _complaint(wb, world, category="delivery", respond=False)
    report = wb.complaint_reports.report(
        world.staff["supervisor"],
        start=start - timedelta(days=1),
        end=clock.now() + timedelta(days=1),
    )
    assert report.total == 3 and report.closed == 2 and report.open == 1
    assert report.by_category == {"billing": 2, "delivery": 1}
    assert report.by_cause == {"-": 1, "system_error": 2}
    assert report.by_department == {"finance": 3}
    assert report.by_store == {"SH01": 3}
    assert report.reopen_rate_pct == 33.3
    assert report.repeat_complainers == 1
    assert report.satisfaction_average == 4.5 and report.satisfaction_scores == {4: 1, 5: 1}
    assert report.first_response_on_time_pct == 100.0 and report.resolution_on_time_pct == 100.0
    assert report.first_response_hours_median == 0.0
    assert sum(report.weekly.values()) == 3
    assert list(report.weekly.values()).count(0) == len(report.weekly) - 2


def test_small_groups_hidden_for_aggregate_only_roles(wb, world, clock, run_cli):
    start = clock.now() - timedelta(days=1)
    for _ in range(5):
        _complaint(wb, world, score=5)
    _complaint(wb, world, category="delivery", score=5)
    end = clock.now() + timedelta(days=1)
    analyst = wb.complaint_reports.report(world.staff["analyst"], start=start, end=end)
    # The total (6) is shown, so billing's 5 would give delivery's 1 away: it goes too, as a
    # complement (not under 5 itself), and the table says "hidden" there, not "<5".
    assert analyst.total == 6 and analyst.by_category == {"billing": None, "delivery": None}
    assert analyst.complements["by_category"] == ["billing"]
    code, out, _ = run_cli("report", "complaints", user="analyst")
    assert code == 0 and "│ billing  │ hidden │" in out and "│ delivery │ <5     │" in out
    supervisor = wb.complaint_reports.report(world.staff["supervisor"], start=start, end=end)
    assert supervisor.by_category == {"billing": 5, "delivery": 1}
    with pytest.raises(AccessDenied):
        wb.complaint_reports.report(world.staff["agent"], start=start, end=end)
    with pytest.raises(AccessDenied):
        wb.complaint_reports.report(world.staff["analyst"], start=start, end=end, export=True)
    with pytest.raises(AccessDenied):
        wb.complaint_reports.report(
            world.staff["manager_own"], start=start, end=end, store_code="BJ01"
        )
    own = wb.complaint_reports.report(world.staff["manager_own"], start=start, end=end)
    assert own.store_code == "SH01" and own.total == 6


def test_a_lone_complaint_tells_an_aggregate_only_reader_nothing(wb, world, clock, run_cli):
    """One complaint in the period: its score, its times and the total would single it out."""
    start = clock.now() - timedelta(days=1)
    _complaint(wb, world, score=4)
    end = clock.now() + timedelta(days=1)
    analyst = wb.complaint_reports.report(world.staff["analyst"], start=start, end=end)
    withheld = (
        "total",
        "closed",
        "reopen_rate_pct",
        "satisfaction_average",
        "responded",
        "first_response_hours_median",
        "first_response_hours_p90",
        "first_response_on_time_pct",
        "resolution_hours_median",
        "resolved",
    )
    assert {name: getattr(analyst, name) for name in withheld} == dict.fromkeys(withheld)
    assert set(withheld) <= set(analyst.hidden)
    assert analyst.satisfaction_scores == {4: None}
    assert all(n is None for n in analyst.by_store.values())
    assert analyst.open == 0 and "open" not in analyst.hidden  # nobody: nothing to hide
    supervisor = wb.complaint_reports.report(world.staff["supervisor"], start=start, end=end)
    assert (supervisor.total, supervisor.satisfaction_average, supervisor.hidden) == (1, 4.0, [])
    code, out, _ = run_cli("report", "complaints", user="analyst")
    assert code == 0 and "satisfaction_average" in out and "4.0" not in out and "<5" in out


def test_report_cli_formats(wb, world, run_cli):
    _complaint(wb, world, score=5)

    def run(*args, user="supervisor"):
        return run_cli(*args, user=user)

    code, out, _ = run("report", "complaints", "--format", "json")
    assert code == 0 and '"total": 1' in out and '"exported_by": "supervisor"' in out
    code, out, _ = run("report", "complaints", "--format", "csv")
    assert code == 0 and out.startswith("# complaint report exported by supervisor")
    code, out, _ = run("report", "complaints")
    assert code == 0 and "billing" in out and "weekly trend" in out
    code, _, err = run("report", "complaints", "--format", "csv", user="analyst")
    assert code == 2 and "may not export" in err
    code, out, _ = run("complaints", "sweep")
    assert code == 0 and "0 escalations" in out


def test_report_title_shows_local_days(wb, world, run_cli):
    _complaint(wb, world, score=5)
    code, out, _ = run_cli(
        "report", "complaints", "--from", "2026-03-01", "--to", "2026-03-03", user="supervisor"
    )
    # Shanghai midnight of 1 March is still 28 February in UTC: the title says the local days.
    assert code == 0 and "complaints 2026-03-01 – 2026-03-02" in out
    code, out, _ = run_cli("report", "complaints", user="supervisor")  # up to today, 2 March
    assert code == 0 and "complaints 2025-03-03 – 2026-03-02" in out


def test_the_dashboard_board_is_scoped_by_role(wb, world, clock):
    from tests.factories import application

    for _ in range(6):
        _complaint(wb, world, respond=False)  # SH01's member, left open
    with wb.sessions() as session:  # and one complaint of a Beijing member
        other = wb.registry.apply(
            session, application=application(store_code="BJ01"), actor=world.staff["manager_other"]
        )
        session.commit()
        wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="store", category="billing", description="北京", member_no=other.member_no
            ),
            actor=world.staff["agent"],
        )
        session.commit()
    clock.advance(days=10)  # every one is past its clocks
    from workbench.complaints.escalation import sweep

    sweep(wb.sessions, wb.complaints)
    states, escalated = wb.complaint_reports.board(world.staff["supervisor"])
    assert sum(states.values()) == 7 and len(escalated) == 7
    states, escalated = wb.complaint_reports.board(world.staff["manager_own"])
    assert sum(states.values()) == 6 and len(escalated) == 6  # their own store's only
    states, escalated = wb.complaint_reports.board(world.staff["manager_other"])
    assert states == {"received": None} and len(escalated) == 1  # 1 is under the minimum
    states, escalated = wb.complaint_reports.board(world.staff["analyst"])
    assert states == {"investigating": 6, "received": None} and escalated == []  # no rows
    with pytest.raises(AccessDenied):
        wb.complaint_reports.board(world.staff["agent"])
