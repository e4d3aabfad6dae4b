"""The wallboard's figures against a small hand-built day of calls, callbacks, complaints and
agents (both backends), a store manager's part of it, and who may see it."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from itertools import count

import pytest

from tests.conftest import START
from tests.factories import add_staff, add_store, application
from workbench.callbacks.models import CallbackTask
from workbench.complaints.models import Complaint
from workbench.errors import PermissionDenied
from workbench.members.models import Role
from workbench.telephony.models import Call
from workbench.telephony.presence_models import AgentPresence
from workbench.views.wallboard import NOT_SIGNED_IN

NOW = START + timedelta(hours=2)  # 11:00 in Shanghai; the local day began at 16:00 UTC
_sids = count(1)


def _call(session, wb, queue, started, answered=None, ended=None, member_id=None, **kw):
    session.add(
        Call(
            call_sid=f"CA{next(_sids):032d}",
            direction=kw.pop("direction", "inbound"),
            from_enc=wb.cipher.encrypt("call.from", "+8613900000001"),
            to_enc=wb.cipher.encrypt("call.to", "+864001234567"),
            status="completed" if ended else "in-progress",
            queue=queue,
            member_id=member_id,
            started_at=started,
            answered_at=answered,
            ended_at=ended,
            **kw,
        )
    )


def _complaint(session, wb, no, store_id, *, state="investigating", **dues):
    session.add(
        Complaint(
            complaint_no=no,
            channel="phone",
            category="service",
            priority="normal",
            store_id=store_id,
            description_enc=wb.cipher.encrypt("complaint.text", "late"),
            state=state,
            received_at=NOW - timedelta(days=1),
            round_started_at=NOW - timedelta(days=1),
            **dues,
        )
    )


def _task(session, member_id, reason, next_attempt_at):
    session.add(
        CallbackTask(
            member_id=member_id,
            reason=reason,
            earliest_at=NOW - timedelta(days=1),
            latest_at=NOW + timedelta(days=1),
            next_attempt_at=next_attempt_at,
            status="queued",
            created_at=NOW - timedelta(days=1),
        )
    )


@pytest.fixture
def board(wb, clock):
    """The day: `hotline` answered one call in time (handled 300 s), one late (120 s), lost
    one, and has two waiting (120 s and 30 s); `complaints` answered one in time, still on.
    Members' calls are SH01's; the others' are nobody's store."""
    s = lambda **kw: NOW + timedelta(**kw)  # noqa: E731
    with wb.sessions() as session:
        sh, bj = add_store(session, "SH01"), add_store(session, "BJ01")
        sales_sh = add_staff(session, clock, "sales_sh", Role.SALES, sh)
        sales_bj = add_staff(session, clock, "sales_bj", Role.SALES, bj)
        ours = wb.registry.apply(session, application=application("SH01"), actor=sales_sh).id
        theirs = wb.registry.apply(session, application=application("BJ01"), actor=sales_bj).id
        staff = {
            "agent": add_staff(session, clock, "agent1", Role.AGENT),
            "supervisor": add_staff(session, clock, "supervisor1", Role.SUPERVISOR),
            "agent_sh": add_staff(session, clock, "agent_sh", Role.AGENT, sh),
            "manager": add_staff(session, clock, "manager_sh", Role.STORE_MANAGER, sh),
            "admin": add_staff(session, clock, "admin", Role.ADMIN),
            "sales": sales_sh,
        }
        _call(session, wb, "hotline", s(hours=-2), s(hours=-2, seconds=10), s(hours=-2, minutes=5, seconds=10), ours)  # fmt: skip
        _call(session, wb, "hotline", s(hours=-2, minutes=10), s(hours=-2, minutes=10, seconds=30), s(hours=-2, minutes=12, seconds=30))  # fmt: skip
        _call(session, wb, "hotline", s(hours=-1), None, s(hours=-1, minutes=1), ours)
        _call(session, wb, "hotline", s(minutes=-2), member_id=ours)
        _call(session, wb, "hotline", s(seconds=-30))
        _call(session, wb, "complaints", s(minutes=-30), s(minutes=-30, seconds=5), None, ours)
        _call(session, wb, "hotline", s(hours=-17), s(hours=-17), s(hours=-16))  # yesterday
        _call(session, wb, None, s(minutes=-5), s(minutes=-5), None, direction="outbound")
        # Never waited for an agent: a voicemail, the points balance; lost: an open call older
        # than any wait; and one whose agent's phone is ringing.
        _call(session, wb, "hotline", s(hours=-1, minutes=-30), None, s(hours=-1, minutes=-29), ours, voicemail=True)  # fmt: skip
        _call(session, wb, "hotline", s(hours=-1, minutes=-20), None, s(hours=-1, minutes=-19), ours, menu_choice="1")  # fmt: skip
        _call(session, wb, "hotline", s(hours=-5), member_id=ours)
        _call(session, wb, "hotline", s(minutes=-1), agent_id=staff["agent"].id)
        session.add(AgentPresence(staff_id=staff["agent"].id, state="available", since=NOW))
        session.add(AgentPresence(staff_id=staff["supervisor"].id, state="on_call", since=NOW))
        _task(session, ours, "birthday_care", s(hours=-1))
        _task(session, ours, "tier_change", s(hours=1))  # not due yet
        _task(session, theirs, "birthday_care", s(hours=-1))
        _complaint(session, wb, "C1", sh.id, next_reply_due=s(minutes=30))  # at risk
        _complaint(session, wb, "C2", sh.id, resolution_due=s(minutes=-5))  # overdue
        _complaint(session, wb, "C3", bj.id, first_response_due=s(minutes=10))  # at risk
        # Not counted: answered already, waiting on the member, closed, far off.
        _complaint(session, wb, "C4", sh.id, first_response_due=s(minutes=10), first_response_at=s(hours=-1))  # fmt: skip
        _complaint(session, wb, "C5", sh.id, resolution_due=s(minutes=10), paused_since=s(hours=-1))  # fmt: skip
        _complaint(session, wb, "C6", sh.id, state="closed", resolution_due=s(minutes=10))
        _complaint(session, wb, "C7", sh.id, resolution_due=s(hours=3))
        session.commit()
    clock.set(NOW)
    return staff


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_the_whole_hotline(wb, board, role):
    figures = wb.usecases.wallboard.figures(board[role])
    complaints, hotline = figures.queues
    assert hotline.queue == "hotline"
    assert (hotline.waiting, hotline.longest_wait_seconds) == (2, 120)
    assert (hotline.offered, hotline.answered, hotline.answered_in_time) == (3, 2, 1)
    assert (hotline.abandoned, hotline.average_handle_seconds) == (1, 210)
    assert (hotline.service_level_pct, hotline.abandoned_pct) == (33.3, 33.3)
    assert complaints.queue == "complaints"
    assert (complaints.waiting, complaints.longest_wait_seconds) == (0, None)
    assert (complaints.service_level_pct, complaints.average_handle_seconds) == (100.0, None)
    assert (figures.total.offered, figures.total.service_level_pct) == (4, 50.0)
    assert figures.service_level_seconds == 20
    assert figures.callbacks_due == 2
    assert (figures.complaints_at_risk, figures.complaints_overdue) == (2, 1)
    assert figures.agents == {
        "available": 1,
        "on_call": 1,
        "wrap_up": 0,
        "break": 0,
        "offline": 0,
        NOT_SIGNED_IN: 1,
    }
    arrivals = [0] * 24
    arrivals[9], arrivals[10] = 2, 4
    assert list(figures.arrivals_by_hour) == arrivals
    by_hour = [None] * 24
    by_hour[9] = by_hour[10] = 50.0
    assert list(figures.service_level_by_hour) == by_hour


def test_a_store_manager_sees_their_store_part(wb, board):
    figures = wb.usecases.wallboard.figures(board["manager"])
    complaints, hotline = figures.queues
    assert (hotline.waiting, hotline.longest_wait_seconds, hotline.offered) == (1, 120, 2)
    assert (hotline.answered_in_time, hotline.abandoned, hotline.average_handle_seconds) == (
        1,
        1,
        300,
    )
    assert (complaints.offered, complaints.answered) == (1, 1)
    assert figures.callbacks_due == 1
    assert (figures.complaints_at_risk, figures.complaints_overdue) == (1, 1)
    assert figures.agents[NOT_SIGNED_IN] == 1
    assert sum(figures.agents.values()) == 1


@pytest.mark.parametrize("role", ["agent", "sales"])
def test_other_roles_are_refused(wb, board, role):
    with pytest.raises(PermissionDenied, match="may not see the wallboard"):
        wb.usecases.wallboard.figures(board[role])
    assert not wb.usecases.wallboard.offered(board[role])


def test_the_command_prints_a_store_managers_part_as_json(board, run_cli):
    code, out, _ = run_cli("wallboard", "--json", user="manager_sh")
    assert code == 0
    data = json.loads(out)
    assert [q["queue"] for q in data["queues"]] == ["complaints", "hotline"]
    assert (data["queues"][1]["waiting"], data["queues"][1]["average_handle_seconds"]) == (1, 300)
    assert (data["total"]["offered"], data["total"]["service_level_pct"]) == (3, 66.7)
    assert (data["callbacks_due"], data["complaints_overdue"]) == (1, 1)
    assert data["at"] == NOW.isoformat()

    code, out, _ = run_cli("wallboard", user="supervisor1")
    assert code == 0 and "all queues" in out and "callbacks due: 2" in out


def test_the_command_refuses_an_agent(board, run_cli):
    code, out, err = run_cli("wallboard", user="agent1")
    assert code != 0 and "may not see the wallboard" in out + err
    assert "Traceback" not in out + err


def test_listening_reads_once_for_a_burst_of_events(wb, board):
    """Five calls ring while the board pauses after a read: the next read shows all five, and
    a call ringing after it is the read after that (not four reads of the same burst). The
    pause is long enough for the listener to take the burst's events in."""
    desk = wb.usecases.wallboard
    desk.min_interval = 0.3
    stop, waiting = threading.Event(), []

    def ring(calls: int) -> None:
        for _ in range(calls):  # each its own transaction and event, as the webhooks do
            with wb.sessions() as session:
                _call(session, wb, "hotline", NOW)
                session.flush()
                desk.events.publish(session, {"type": "incoming", "call_id": None})
                session.commit()

    def deliver(figures):
        waiting.append(figures.total.waiting)
        if len(waiting) < 3:
            ring(5 if len(waiting) == 1 else 1)
        else:
            stop.set()

    listening = threading.Thread(target=desk.listen, args=(board["supervisor"], deliver, stop))
    listening.start()
    listening.join(timeout=15)
    assert not listening.is_alive() and waiting == [2, 7, 8]


def test_listening_refuses_before_it_listens(wb, board):
    with pytest.raises(PermissionDenied):
        wb.usecases.wallboard.listen(board["agent"], lambda _f: None, threading.Event())
