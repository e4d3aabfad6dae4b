"""`workbench callbacks schedule` as the profile's F4 form schedules one: a reason, 1 to 30
days, and optionally a date and time of day (YYYY-MM-DD HH:MM in the workbench's zone, not in
the past), through the same use case and its rules: the member's scope (refused in the same
words as an unknown number, audited), do-not-call, one open task per reason. Signs in; every
refusal is one line, never a traceback."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.fixtures_world import CLI_PASSWORD
from workbench.audit.models import AuditEntry
from workbench.callbacks.models import CallbackTask
from workbench.members.models import Member

DOCS = Path(__file__).resolve().parents[2] / "docs" / "agents.md"


def _tasks(wb) -> list[CallbackTask]:
    with wb.sessions() as session:
        return list(session.scalars(select(CallbackTask).order_by(CallbackTask.id)))


def _utc(at: datetime) -> datetime:
    """Naive UTC: SQLite hands times back without their zone (stored in UTC)."""
    return at if at.tzinfo is None else at.astimezone(UTC).replace(tzinfo=None)


def _refused(code: int, out: str, err: str, words: str) -> None:
    assert code == 2 and err.startswith("error:") and words in err, err
    assert "Traceback" not in err and "scheduled" not in out


def test_from_now_for_some_days(wb, world, run_cli, clock):
    code, out, _ = run_cli("callbacks", "schedule", world.member_no.lower(), user="sales_own")
    assert code == 0 and "scheduled for " + world.member_no in out and "within 3 days" in out
    assert "09:00–20:00" in out  # the calling hours the calls keep to
    [task] = _tasks(wb)
    assert (task.member_id, task.reason) == (world.member_id, "member_request")
    assert f"callback {task.id} scheduled" in out
    now = clock.now().replace(tzinfo=None)
    assert _utc(task.earliest_at) == now and _utc(task.latest_at) == now + timedelta(days=3)


def test_at_a_date_and_time_of_day_in_the_workbench_zone(wb, world, run_cli):
    code, out, _ = run_cli(
        "callbacks",
        "schedule",
        world.member_no,
        "--at",
        "2026-03-03 10:30",
        "--days",
        "2",
        "--reason",
        "satisfaction_check",
        user="manager_own",
    )
    assert code == 0 and "from 2026-03-03 10:30, for 2 days" in out
    [task] = _tasks(wb)
    start = datetime(2026, 3, 3, 2, 30)  # 10:30 in Shanghai, in UTC
    assert task.reason == "satisfaction_check"
    assert (_utc(task.earliest_at), _utc(task.latest_at)) == (start, start + timedelta(days=2))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--at", "2026-03-03"), "at: give the time as YYYY-MM-DD HH:MM, not in the past"),
        (("--at", "tomorrow 10:00"), "at: give the time as YYYY-MM-DD HH:MM"),
        (("--at", "2026-03-02 08:59"), "not in the past"),  # a minute before now (09:00)
        (("--days", "0"), "days: 1 to 30 days"),
        (("--days", "31"), "days: 1 to 30 days"),
        (("--reason", "gossip"), "reason: one of complaint_follow_up"),
    ],
)
def test_bad_entries_are_refused_as_the_form_refuses_them(wb, world, run_cli, args, words):
    _refused(*run_cli("callbacks", "schedule", world.member_no, *args, user="sales_own"), words)
    assert _tasks(wb) == []


@pytest.mark.parametrize("who", ["agent", "supervisor", "manager_other", "analyst"])
def test_out_of_scope_reads_as_an_unknown_number(wb, world, run_cli, who):
    user = world.staff[who].username
    code, out, err = run_cli("callbacks", "schedule", world.member_no, user=user)
    _refused(code, out, err, "or there is no such member")
    code, out, unknown = run_cli("callbacks", "schedule", "M99999999", user=user)
    _refused(code, out, unknown, "or there is no such member")
    assert err.replace(world.member_no, "M99999999") == unknown
    assert _tasks(wb) == []
    with wb.sessions() as session:
        denied = session.execute(
            select(AuditEntry.member_id, AuditEntry.result)
            .where(AuditEntry.action == "callback_schedule")
            .order_by(AuditEntry.seq)
        ).all()
    assert denied == [(world.member_id, "denied"), (None, "denied")]


def test_the_members_rules_hold(wb, world, run_cli):
    assert run_cli("callbacks", "schedule", world.member_no, user="sales_own")[0] == 0
    code, out, err = run_cli("callbacks", "schedule", world.member_no, user="sales_own")
    _refused(code, out, err, "already has an open member_request callback")
    with wb.sessions() as session:
        session.get(Member, world.member_id).do_not_call = True
        session.commit()
    code, out, err = run_cli(
        "callbacks", "schedule", world.member_no, "--reason", "birthday_care", user="sales_own"
    )
    _refused(code, out, err, "asked not to be called")
    assert len(_tasks(wb)) == 1


def test_it_signs_in(wb, world, run_cli, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PASSWORD", "not the password")
    code, out, err = run_cli("callbacks", "schedule", world.member_no, user="sales_own")
    assert code == 2 and "scheduled" not in out and "Traceback" not in err
    monkeypatch.setenv("WORKBENCH_PASSWORD", CLI_PASSWORD)
    assert _tasks(wb) == []


def test_the_agents_guide_names_the_command():
    assert "workbench callbacks schedule MEMBER_NO" in DOCS.read_text(encoding="utf-8")
