"""The escalation sweep: due rungs found by one indexed query, each escalated exactly once,
even when run twice or by two processes at the same time."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from workbench.tickets.escalation import sweep
from workbench.tickets.models import ComplaintEvent, Notification
from workbench.tickets.service import ComplaintIntake


def _open_many(wb, world, n):
    numbers = []
    with wb.sessions() as session:
        for i in range(n):
            complaint = wb.complaints.open(
                session,
                intake=ComplaintIntake(channel="hotline", category="billing", priority="urgent",
                                       description=f"重复扣费 {i}", member_no=world.member_no),
                actor=world.staff["agent"],
            )  # fmt: skip
            wb.complaints.assign(session, complaint_no=complaint.complaint_no,
                                 department="finance", handler=world.staff["agent"],
                                 actor=world.staff["supervisor"])  # fmt: skip
            numbers.append(complaint.complaint_no)
        session.commit()
    return numbers


def _escalations(wb):
    with wb.sessions() as session:
        events = session.scalars(
            select(ComplaintEvent).where(ComplaintEvent.action == "escalated")
        ).all()
        return sorted((e.complaint_id, json.loads(e.data)["level"]) for e in events)


def test_ladder_warns_then_escalates_once_per_rung(wb, world, clock):
    [number] = _open_many(wb, world, 1)  # urgent: 16 business hours from Mon 09:00
    assert sweep(wb.sessions, wb.complaints).escalations == 0
    clock.advance(hours=3)  # Mon 12:00: 3 of 16 h
    assert sweep(wb.sessions, wb.complaints).escalations == 0
    clock.advance(hours=21)  # Tue 09:00: 9 h used; 75 % is 12 h -> Tue 12:00
    assert sweep(wb.sessions, wb.complaints).escalations == 0
    clock.advance(hours=3)  # Tue 12:00: the handler is warned
    assert sweep(wb.sessions, wb.complaints).escalations == 1
    assert sweep(wb.sessions, wb.complaints).escalations == 0  # idempotent
    clock.advance(hours=4)  # Tue 16:00: 16 h, breached: the supervisors
    assert sweep(wb.sessions, wb.complaints).escalations == 1
    clock.advance(days=2)  # far past 24 h: the department head (none: supervisors)
    assert sweep(wb.sessions, wb.complaints).escalations == 1
    clock.advance(days=10)
    assert sweep(wb.sessions, wb.complaints).escalations == 0
    assert [level for _, level in _escalations(wb)] == [1, 2, 3]
    with wb.sessions() as session:
        complaint = wb.complaints.get(session, number)
        assert complaint.escalation_level == 3 and complaint.sla_breached
        assert complaint.next_escalation_at is None
        kinds = session.scalars(select(Notification.kind).order_by(Notification.id)).all()
        assert kinds == ["warn_handler", "to_supervisor", "to_department_head"]
        recipients = session.scalars(select(Notification.staff_id).order_by(Notification.id)).all()
        assert recipients == [world.staff["agent"].id] + [world.staff["supervisor"].id] * 2


def test_a_late_sweep_records_every_rung_passed(wb, world, clock):
    _open_many(wb, world, 1)
    clock.advance(days=14)
    result = sweep(wb.sessions, wb.complaints)
    assert (result.complaints, result.escalations) == (1, 3)


def test_paused_and_closed_complaints_do_not_escalate(wb, world, clock):
    paused, closed = _open_many(wb, world, 2)
    with wb.sessions() as session:
        wb.complaints.wait_on_member(session, complaint_no=paused, actor=world.staff["agent"],
                                     note="等待会员回复")  # fmt: skip
        wb.complaints.close(session, complaint_no=closed, actor=world.staff["supervisor"],
                            reason="duplicate of another complaint")  # fmt: skip
        session.commit()
    clock.advance(days=14)
    assert sweep(wb.sessions, wb.complaints).escalations == 0


def test_two_sweepers_at_once_escalate_each_rung_once(wb, world, clock):
    from concurrent.futures import ThreadPoolExecutor

    _open_many(wb, world, 40)
    clock.advance(timedelta(hours=27))  # Tue 12:00: every complaint reaches the warning
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: sweep(wb.sessions, wb.complaints, batch_size=7), [1, 2]))
    assert sum(r.escalations for r in results) == 40
    assert len(_escalations(wb)) == len(set(_escalations(wb))) == 40


SWEEPER = """
import sys
from datetime import datetime
from workbench.bootstrap import build
from workbench.clock import FixedClock
from workbench.settings import load_settings
from workbench.tickets.escalation import sweep

wb = build(load_settings(), clock=FixedClock(datetime.fromisoformat(sys.argv[1])))
print(sweep(wb.sessions, wb.complaints, batch_size=5).escalations)
"""


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_sweeper_processes_on_postgresql(wb, world, clock, keyring, db_url):
    _open_many(wb, world, 60)
    clock.advance(days=14)  # every complaint is due all three rungs
    env = {**os.environ, "WORKBENCH_DATABASE_URL": db_url,
           "WORKBENCH_KEYS_KEYRING": keyring.to_json()}  # fmt: skip
    sweepers = [
        subprocess.Popen([sys.executable, "-c", SWEEPER, clock.now().isoformat()], env=env,
                         stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    counts = [int(p.communicate(timeout=120)[0].strip()) for p in sweepers]
    assert all(p.returncode == 0 for p in sweepers)
    assert sum(counts) == 180
    escalations = _escalations(wb)
    assert len(escalations) == len(set(escalations)) == 180
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 180
