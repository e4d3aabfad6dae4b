"""The escalation sweep: due rungs of every SLA clock (first response, next reply, resolution)
found by one indexed query, each escalated exactly once, even when run twice or by two
processes at the same time."""

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from workbench.complaints.escalation import sweep
from workbench.complaints.models import ComplaintEvent, Notification
from workbench.complaints.service import ComplaintIntake
from workbench.members.models import Staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _open_many(wb, world, n, *, respond=False):
    """Urgent complaints received Monday 09:00 (first response 1 h, next reply 4 h, resolution
    16 h), assigned to the finance department with the agent as handler. `respond`: the agent
    contacts the member at once (the first response)."""
    numbers = []
    with wb.sessions() as session:
        for i in range(n):
            complaint = wb.complaints.open(
                session,
                intake=ComplaintIntake(
                    channel="hotline",
                    category="billing",
                    priority="urgent",
                    description=f"重复扣费 {i}",
                    member_no=world.member_no,
                ),
                actor=world.staff["agent"],
            )
            wb.complaints.assign(
                session,
                complaint_no=complaint.complaint_no,
                department="finance",
                handler=world.staff["agent"],
                actor=world.staff["supervisor"],
            )
            if respond:
                wb.complaints.reply(
                    session,
                    complaint_no=complaint.complaint_no,
                    actor=world.staff["agent"],
                    note="已致电会员",
                )
            numbers.append(complaint.complaint_no)
        session.commit()
    return numbers


def _escalations(wb):
    """(complaint id, clock, level) of every escalation recorded."""
    with wb.sessions() as session:
        events = session.scalars(
            select(ComplaintEvent).where(ComplaintEvent.action == "escalated")
        ).all()
        return sorted(
            (e.complaint_id, json.loads(e.data)["clock"], json.loads(e.data)["level"])
            for e in events
        )


def _swept(wb, times=2):
    """(clock, level) of what one sweep escalated; the sweeps after it escalate nothing."""
    before = len(_escalations(wb))
    result = sweep(wb.sessions, wb.complaints)
    for _ in range(times - 1):
        assert sweep(wb.sessions, wb.complaints).escalations == 0  # idempotent
    with wb.sessions() as session:
        events = session.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.action == "escalated")
            .order_by(ComplaintEvent.id)
        ).all()
    new = [(json.loads(e.data)["clock"], json.loads(e.data)["level"]) for e in events[before:]]
    assert result.escalations == len(new)
    return new


def _reply(wb, world, number):
    with wb.sessions() as session:
        wb.complaints.reply(
            session, complaint_no=number, actor=world.staff["agent"], note="回复会员"
        )
        session.commit()


def test_every_clock_climbs_its_ladder_once_per_rung(wb, world, clock):
    with wb.sessions() as session:
        session.get(Staff, world.staff["dept_head"].id).team = "finance"
        session.commit()
    [number] = _open_many(wb, world, 1)
    at = partial(datetime, 2026, 3, tzinfo=SHANGHAI)
    clock.set(at(2, 9, 44))
    assert _swept(wb) == []
    clock.set(at(2, 9, 45))  # 75 % of the first-response hour: the handler is warned
    assert _swept(wb) == [("first_response", 1)]
    clock.set(at(2, 10))  # no contact within the hour: the supervisors
    assert _swept(wb) == [("first_response", 2)]
    clock.set(at(2, 10, 30))  # 150 %: the head of finance
    assert _swept(wb) == [("first_response", 3)]
    clock.set(at(2, 11))
    _reply(wb, world, number)  # first response given; the next reply is due by 15:00
    clock.set(at(2, 14))
    assert _swept(wb) == [("next_reply", 1)]
    clock.set(at(2, 14, 30))
    _reply(wb, world, number)  # the reply clock starts again: 4 business hours from now
    clock.set(at(2, 17, 29))
    assert _swept(wb) == []
    clock.set(at(2, 17, 30))
    assert _swept(wb) == [("next_reply", 1)]
    clock.set(at(3, 9, 30))  # 3.5 h on Monday and 0.5 h on Tuesday: the reply is late
    assert _swept(wb) == [("next_reply", 2)]
    # 11:30 the reply clock's last rung; 12:00 three quarters of the 16 resolution hours.
    clock.set(at(3, 12))
    assert _swept(wb) == [("next_reply", 3), ("resolution", 1)]
    clock.set(at(3, 16))
    assert _swept(wb) == [("resolution", 2)]
    clock.set(at(4, 15))
    assert _swept(wb) == [("resolution", 3)]
    clock.advance(days=10)
    assert _swept(wb) == []
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        assert complaint.escalation_level == 3 and complaint.sla_breached
        assert complaint.next_escalation_at is None
        notes = session.execute(
            select(Notification.kind, Notification.staff_id).order_by(Notification.id)
        ).all()
    agent, supervisor, head = (world.staff[k].id for k in ("agent", "supervisor", "dept_head"))
    warn, breach, far = (
        ("warn_handler", agent),
        ("to_supervisor", supervisor),
        ("to_department_head", head),
    )
    assert notes == [warn, breach, far, warn, warn, breach, far, warn, breach, far]


def test_a_late_sweep_records_every_rung_passed(wb, world, clock):
    _open_many(wb, world, 1)
    clock.advance(days=14)
    result = sweep(wb.sessions, wb.complaints)
    assert (result.complaints, result.escalations) == (1, 6)  # first response and resolution


def test_waiting_on_the_member_and_closing_stop_the_clocks(wb, world, clock):
    paused, closed = _open_many(wb, world, 2, respond=True)
    with wb.sessions() as session:
        wb.complaints.wait_on_member(
            session, complaint_no=paused, actor=world.staff["agent"], note="等待会员回复"
        )
        wb.complaints.close(
            session,
            complaint_no=closed,
            actor=world.staff["supervisor"],
            reason="duplicate of another complaint",
        )
        session.commit()
    clock.advance(days=14)
    assert sweep(wb.sessions, wb.complaints).escalations == 0


def test_the_first_response_is_owed_even_while_waiting_on_the_member(wb, world, clock):
    [number] = _open_many(wb, world, 1)
    with wb.sessions() as session:
        wb.complaints.wait_on_member(
            session, complaint_no=number, actor=world.staff["agent"], note="等待会员补充材料"
        )
        session.commit()
    clock.advance(hours=2)
    assert _swept(wb) == [("first_response", 1), ("first_response", 2), ("first_response", 3)]


def test_two_sweepers_at_once_escalate_each_rung_once(wb, world, clock):
    from concurrent.futures import ThreadPoolExecutor

    _open_many(wb, world, 40)
    # Tue 12:00: every first response is far overdue (3 rungs), every resolution at 75 %.
    clock.advance(timedelta(hours=27))
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: sweep(wb.sessions, wb.complaints, batch_size=7), [1, 2]))
    assert sum(r.escalations for r in results) == 160
    assert len(_escalations(wb)) == len(set(_escalations(wb))) == 160


# A sweeper process that starts sweeping only when told to (the "go" file), so both sweep at
# the same moment, and that holds each batch's row locks a while before committing, so the other
# one is certain to meet rows it must skip. It prints its escalations and when it swept.
SWEEPER = """
import json, sys, time
from datetime import datetime
from pathlib import Path
from workbench.bootstrap import build
from workbench.clock import FixedClock
from workbench.settings import load_settings
from workbench.complaints import escalation

now, ready, go = datetime.fromisoformat(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
wb = build(load_settings(), clock=FixedClock(now))
batches = []
one_batch = escalation._sweep_batch

def slow_batch(session, service, batch_size):
    started = time.time()
    done = one_batch(session, service, batch_size)
    time.sleep(0.05)
    batches.append((started, time.time(), done[1]))
    return done

escalation._sweep_batch = slow_batch
ready.touch()
while not go.exists():
    time.sleep(0.005)
result = escalation.sweep(wb.sessions, wb.complaints, batch_size=5)
print(json.dumps({"escalations": result.escalations, "batches": batches}))
"""


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_sweeper_processes_on_postgresql(wb, world, clock, keyring, db_url, tmp_path):
    _open_many(wb, world, 60)
    clock.advance(days=14)  # all three rungs of the first-response and resolution clocks
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": db_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
    }
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{n}" for n in range(2)]
    sweepers = [
        subprocess.Popen(
            [sys.executable, "-c", SWEEPER, clock.now().isoformat(), str(flag), str(go)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline and all(p.poll() is None for p in sweepers)
        time.sleep(0.01)
    go.touch()
    reports = [json.loads(p.communicate(timeout=120)[0]) for p in sweepers]
    assert all(p.returncode == 0 for p in sweepers)
    # They really ran at the same time: each escalated some complaints (the batches that the
    # other held locked were skipped, not waited for), and their sweeps overlapped.
    working = [[b for b in r["batches"] if b[2]] for r in reports]
    assert all(working)
    assert max(w[0][0] for w in working) < min(w[-1][1] for w in working)
    assert sum(r["escalations"] for r in reports) == 360
    escalations = _escalations(wb)
    assert len(escalations) == len(set(escalations)) == 360
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 360


def test_the_use_case_sweeps_batch_by_batch_and_once(wb, world, clock):
    """`usecases.complaints.sweep` (what the command and the scheduler run): one transaction
    per batch, every due complaint escalated once, nothing on a second run."""
    _open_many(wb, world, 5)
    clock.set(datetime(2026, 3, 2, 9, 45, tzinfo=SHANGHAI))
    result = wb.usecases.complaints.sweep(batch_size=2)
    assert (result.complaints, result.escalations) == (5, 5)
    assert wb.usecases.complaints.sweep(batch_size=2).escalations == 0
    assert len(_escalations(wb)) == 5


def test_sweep_on_a_database_without_tables_says_what_to_do(tmp_path, keyring, monkeypatch, capsys):
    """An empty database file: one line naming the fix and exit code 2, not a traceback."""
    from tests.conftest import START
    from workbench.cli import main
    from workbench.cli.state import state
    from workbench.clock import FixedClock

    # A pinned day: near a year's end the real clock adds the calendar's unknown-year warning.
    monkeypatch.setattr(state, "clock", FixedClock(START))
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("WORKBENCH_KEYS_KEYRING", keyring.to_json())
    with pytest.raises(SystemExit) as exited:
        main(["complaints", "sweep"])
    out, err = capsys.readouterr()
    assert exited.value.code == 2
    assert err.strip().splitlines() == [
        "error: the database has no workbench tables (or an older version of them): "
        "run `workbench db upgrade`"
    ]
    assert "Traceback" not in out + err
