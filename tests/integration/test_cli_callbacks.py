"""`workbench callbacks schedule` as the profile's F4 form schedules one: a reason, 1 to 30
days, and optionally a date and time of day (YYYY-MM-DD HH:MM in the workbench's zone, not in
the past), through the same use case and its rules: the member's scope (refused in the same
words as an unknown number, audited), do-not-call, one open task per reason. Signs in; every
refusal is one line, never a traceback.

`workbench callbacks next | mine | outcome` as Ctrl+N and Ctrl+S: the claim through the same
use case (the member printed masked, from its read model), the home screen's words when none
can be taken, the outcome's rules (only on a task you hold; call_back_later needs a time)."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.fixtures_world import CLI_PASSWORD
from workbench.audit.models import AuditEntry
from workbench.callbacks.models import CallbackTask, Outcome
from workbench.cli import callbacks as callbacks_cli
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


# Taking the next callback and recording its outcome ------------------------------------------


def _queue(wb, world, clock, **when) -> int:
    """A callback for the world's member, scheduled by their own seller (from now by default)."""
    when = when or {"within": timedelta(days=2)}
    return wb.usecases.callbacks.schedule(
        world.staff["sales_own"], world.member_id, "satisfaction_check", **when
    )


def _task(wb, task_id: int) -> CallbackTask:
    with wb.sessions() as session:
        return session.get(CallbackTask, task_id)


def test_claim_then_record_the_outcome(wb, world, run_cli, clock):
    task_id = _queue(wb, world, clock)
    code, out, err = run_cli("callbacks", "next", user="agent")
    assert code == 0 and err == "", err
    assert f"callback {task_id} claimed: {world.member_no}, satisfaction_check" in out
    assert "张*" in out and "张伟" not in out  # masked, as the claim's read model shows it
    assert world.app.phone not in out and world.app.id_number not in out
    assert "您好，这里是会员服务中心" in out  # the reason's script, in the desk's language
    assert "access until 2026-03-02 09:40" in out  # 30 minutes' call and 10 minutes' grace
    assert _task(wb, task_id).status == "claimed"

    code, out, _ = run_cli("callbacks", "mine", user="agent")
    assert (code, out) == (
        0,
        f"callback {task_id}: {world.member_no} 张*, satisfaction_check, due 2026-03-02 09:00, "
        "window ends 2026-03-04 09:00, access until 2026-03-02 09:40\n",
    )
    assert run_cli("callbacks", "mine", user="supervisor")[1].strip() == "no callback claimed"

    code, out, err = run_cli(
        "callbacks", "outcome", str(task_id), "--outcome", "reached", "--feedback", "很满意",
        user="agent",
    )  # fmt: skip
    assert code == 0 and err == ""
    assert f"callback {task_id}: outcome reached recorded (the task is done)" in out
    task = _task(wb, task_id)
    assert (task.status, task.outcome, task.claimed_by_id) == ("done", "reached", None)
    assert wb.callbacks.feedback(task) == "很满意"
    assert run_cli("callbacks", "mine", user="agent")[1].strip() == "no callback claimed"
    code, out, _ = run_cli("callbacks", "next", user="agent")
    assert code == 1 and out.strip() == "No callback is waiting"


def test_an_outcome_on_a_task_not_yours_is_refused(wb, world, run_cli, clock):
    task_id = _queue(wb, world, clock)
    assert run_cli("callbacks", "next", user="agent")[0] == 0
    code, out, err = run_cli(
        "callbacks", "outcome", str(task_id), "--outcome", "reached", user="supervisor"
    )
    assert code == 2 and err == f"error: callback task {task_id} is not claimed by supervisor\n"
    assert out == "" and "Traceback" not in err
    code, _, err = run_cli("callbacks", "outcome", "999", "--outcome", "reached", user="agent")
    assert code == 2 and err == "error: no callback task 999\n"
    task = _task(wb, task_id)
    assert (task.status, task.claimed_by_id) == ("claimed", world.staff["agent"].id)


@pytest.mark.parametrize("who", ["analyst", "manager_own", "sales_own"])
def test_a_role_that_takes_no_callbacks_claims_none(wb, world, run_cli, clock, who):
    """Refused before anything is claimed: the task stays with the agents (it was claimed,
    then the read refused, and it stayed held until its lease ran out)."""
    task_id = _queue(wb, world, clock)
    code, out, err = run_cli("callbacks", "next", user=who)
    assert code == 2 and "may not take callbacks" in err and out == ""
    assert _task(wb, task_id).status != "claimed"
    assert run_cli("callbacks", "next", user="agent")[0] == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--outcome", "gossip"), "outcome: one of reached, no_answer, busy, wrong_number"),
        (("--outcome", "call_back_later"), "at: say when to call again: HH:MM or YYYY-MM-DD"),
        (("--outcome", "call_back_later", "--at", "tomorrow"), "at: say when to call again"),
        (("--outcome", "call_back_later", "--at", "08:00"), "call_back_at: a time after now"),
        (("--outcome", "reached", "--at", "15:00"), "at: only with --outcome call_back_later"),
        (("--outcome", "reached", "--feedback", "bad\x1b[2J"), "feedback"),
    ],
)
def test_the_outcomes_rules_hold(wb, world, run_cli, clock, args, words):
    task_id = _queue(wb, world, clock)
    assert run_cli("callbacks", "next", user="agent")[0] == 0
    code, out, err = run_cli("callbacks", "outcome", str(task_id), *args, user="agent")
    assert code == 2 and err.startswith("error:") and words in err and "Traceback" not in err
    assert "recorded" not in out
    task = _task(wb, task_id)
    assert (task.status, task.attempts) == ("claimed", 0)  # still the agent's, untouched


def test_call_back_later_at_a_time_of_day(wb, world, run_cli, clock):
    task_id = _queue(wb, world, clock)
    assert run_cli("callbacks", "next", user="agent")[0] == 0
    code, out, _ = run_cli(
        "callbacks", "outcome", str(task_id), "--outcome", "call_back_later", "--at", "15:00",
        user="agent",
    )  # fmt: skip
    assert code == 0 and "outcome call_back_later recorded (the task is queued)" in out
    task = _task(wb, task_id)
    assert _utc(task.next_attempt_at) == datetime(2026, 3, 2, 7, 0)  # 15:00 in Shanghai
    code, out, _ = run_cli("callbacks", "next", user="agent")
    assert code == 1 and out.strip() == "No callback can be made now: the next one is due 15:00"


def test_nothing_callable_says_why_and_when(wb, world, run_cli, clock):
    code, out, err = run_cli("callbacks", "next", user="agent")
    assert (code, out.strip(), err) == (1, "No callback is waiting", "")
    _queue(wb, world, clock, earliest_at=clock.now() + timedelta(minutes=90),
           latest_at=clock.now() + timedelta(days=2))  # fmt: skip
    code, out, _ = run_cli("callbacks", "next", user="agent")
    assert (code, out.strip()) == (1, "No callback can be made now: the next one is due 10:30")
    clock.set(datetime(2026, 3, 2, 13, 0, tzinfo=UTC))  # 21:00 in Shanghai: quiet time
    code, out, _ = run_cli("callbacks", "next", user="agent")
    assert (code, out.strip()) == (
        1,
        "Outside calling hours (09:00–20:00): next window 2026-03-03 09:00",
    )
    assert [t.status for t in _tasks(wb)] == ["queued"]  # nothing was claimed


def test_the_outcomes_are_listed_in_the_help(run_cli, wb):
    code, out, _ = run_cli("callbacks", "outcome", "--help")
    assert code == 0
    assert all(outcome.value in out for outcome in Outcome)


def test_the_agents_guide_names_commands_that_exist():
    documented = set(re.findall(r"workbench callbacks ([a-z-]+)", DOCS.read_text("utf-8")))
    commands = {command.name for command in callbacks_cli.app.registered_commands}
    assert {"schedule", "next", "mine", "outcome"} <= documented <= commands
