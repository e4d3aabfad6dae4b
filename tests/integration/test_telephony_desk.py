"""Agents and calls: the masked banner, taking a call (one agent wins, a serving scope for the
call that its end revokes), transfer, and outbound callbacks placed through the Calls API of
the local Twilio peer, with the member leg's result flowing back to the callback task."""

import threading
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from tests.peers.fixtures import HOTLINE, PUBLIC
from workbench.callbacks.models import CallbackTask
from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.permissions.access import AccessDenied, Purpose
from workbench.telephony.models import Call

SID = "CA" + "7" * 32


def _ring(twilio, wb, caller: str, sid: str = SID) -> int:
    """A call comes in; returns its id in the call log."""
    response = twilio.post("/voice/incoming", {"CallSid": sid, "From": caller, "To": HOTLINE})
    assert response.status_code == 200
    with wb.sessions() as session:
        return session.scalar(select(Call.id).where(Call.call_sid == sid))


def test_the_banner_shows_the_number_masked_and_nothing_of_the_member(twilio, telephony, wb, world):
    call_id = _ring(twilio, wb, world.app.phone)
    view = telephony.desk.view(world.staff["agent"], call_id)
    assert view.caller == world.app.phone[:3] + "****" + world.app.phone[-4:]
    assert view.known_member and view.queue == "hotline" and view.agent_id is None
    assert [v.call_id for v in telephony.desk.waiting(world.staff["agent"])] == [call_id]
    with pytest.raises(PermissionDenied):
        telephony.desk.view(world.staff["sales_own"], call_id)


def test_taking_a_call_gives_one_agent_a_scope_that_the_call_end_revokes(
    twilio, telephony, wb, world, twilio_peer
):
    agent, other = world.staff["agent"], world.staff["supervisor"]
    call_id = _ring(twilio, wb, world.app.phone)
    with pytest.raises(AccessDenied):  # before the call is taken: no scope
        wb.access.view(agent, world.member_no, Purpose.SERVICE)
    taken = telephony.desk.take(agent, call_id)
    assert (taken.member_id, taken.member_no) == (world.member_id, world.member_no)
    with pytest.raises(InvalidState, match="taken by someone else"):
        telephony.desk.take(other, call_id)
    view = wb.access.view(agent, world.member_no, Purpose.SERVICE)
    assert view.basis == "grant" and view.shown("phone") != world.app.phone  # masked
    # Twilio was told to take the caller out of the queue to this agent ...
    [(sid, form)] = twilio_peer.call_updates
    assert sid == SID and form["Url"] == f"{PUBLIC}/voice/connect?call={call_id}"
    # ... and when it asks, the caller's leg dials the agent's softphone.
    dial = ET.fromstring(twilio.post(f"/voice/connect?call={call_id}", {"CallSid": SID}).text)
    assert dial.find("Dial/Client").text == agent.username
    twilio.post("/voice/status", {"CallSid": SID, "CallStatus": "completed", "CallDuration": "60"})
    with pytest.raises(AccessDenied):  # the call ended: so did the scope
        wb.access.view(agent, world.member_no, Purpose.SERVICE)


def test_two_agents_taking_at_once_one_wins(twilio, telephony, wb, world):
    call_id = _ring(twilio, wb, world.app.phone)
    results, barrier = [], threading.Barrier(2)

    def take(staff):
        barrier.wait()
        try:
            results.append(("took", telephony.desk.take(staff, call_id).call_id))
        except InvalidState:
            results.append(("refused", staff.username))

    threads = [
        threading.Thread(target=take, args=(world.staff[who],)) for who in ("agent", "supervisor")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(kind for kind, _ in results) == ["refused", "took"]


def test_a_branch_agent_takes_another_branchs_caller_without_seeing_the_member(
    twilio, telephony, wb, world
):
    branch_agent = world.staff["agent_branch"]  # BJ01; the member belongs to SH01
    taken = telephony.desk.take(branch_agent, _ring(twilio, wb, world.app.phone))
    assert taken.grant_until is None
    with pytest.raises(AccessDenied):
        wb.access.view(branch_agent, world.member_no, Purpose.SERVICE)


def test_an_unanswered_agent_leg_puts_the_caller_back_in_the_queue(twilio, telephony, wb, world):
    call_id = _ring(twilio, wb, world.app.phone)
    telephony.desk.take(world.staff["agent"], call_id)
    root = ET.fromstring(
        twilio.post(
            f"/voice/after-agent?call={call_id}", {"CallSid": SID, "DialCallStatus": "no-answer"}
        ).text
    )
    assert root.find("Enqueue").text == "hotline"
    assert telephony.desk.view(world.staff["agent"], call_id).agent_id is None


def test_transfer_to_the_supervisor_queue(twilio, telephony, wb, world, twilio_peer):
    agent = world.staff["agent"]
    call_id = _ring(twilio, wb, world.app.phone)
    telephony.desk.take(agent, call_id)
    with pytest.raises(ValidationError, match="supervisor"):
        telephony.desk.transfer(agent, call_id, "nowhere")
    telephony.desk.transfer(agent, call_id, "supervisor")
    sid, form = twilio_peer.call_updates[-1]
    assert form["Url"] == f"{PUBLIC}/voice/transfer?call={call_id}"
    root = ET.fromstring(twilio.post(f"/voice/transfer?call={call_id}", {"CallSid": SID}).text)
    assert root.find("Enqueue").text == "supervisor"
    with pytest.raises(AccessDenied):  # the agent handed the caller on
        wb.access.view(agent, world.member_no, Purpose.SERVICE)
    with pytest.raises(PermissionDenied):
        telephony.desk.transfer(agent, call_id, "complaints")  # no longer theirs


def _claimed_task(wb, world):
    with wb.sessions() as session:
        wb.callbacks.schedule(session, member_id=world.member_id, reason="satisfaction_check")
        session.commit()
    claim = wb.callbacks.claim_next(world.staff["agent"])
    assert claim is not None
    return claim.task_id


def test_an_outbound_callback_rings_the_agent_then_dials_the_member(
    twilio, telephony, wb, world, twilio_peer
):
    agent = world.staff["agent"]
    task_id = _claimed_task(wb, world)
    call_id = telephony.desk.place_callback(agent, task_id)
    [created] = twilio_peer.calls
    assert (created["To"], created["From"]) == (f"client:{agent.username}", HOTLINE)
    assert created["Url"] == f"{PUBLIC}/voice/outbound/connect?call={call_id}"
    assert created["StatusCallback"] == f"{PUBLIC}/voice/status"
    with wb.sessions() as session:
        call = session.get(Call, call_id)
        assert call.call_sid == created["sid"] and call.callback_task_id == task_id
    # The agent answers; Twilio asks what to do: dial the member from the hotline number.
    root = ET.fromstring(
        twilio.post(f"/voice/outbound/connect?call={call_id}", {"CallSid": created["sid"]}).text
    )
    dial = root.find("Dial")
    assert dial.get("callerId") == HOTLINE and dial.find("Number").text == "+86" + world.app.phone
    done = urlparse(dial.get("action"))
    assert done.path == "/voice/outbound/done" and parse_qs(done.query) == {"call": [str(call_id)]}
    # The member's phone is busy: that is the task's outcome.
    for _ in range(2):  # a repeated webhook records it once
        twilio.post(
            f"/voice/outbound/done?call={call_id}",
            {
                "CallSid": created["sid"],
                "DialCallStatus": "busy",
                "DialCallSid": "CA" + "8" * 32,
                "DialCallDuration": "0",
            },
        )
    with wb.sessions() as session:
        task = session.get(CallbackTask, task_id)
    assert (task.outcome, task.attempts, task.status) == ("busy", 1, "queued")


def test_a_callback_needs_the_task_claimed_by_the_agent(telephony, wb, world):
    task_id = _claimed_task(wb, world)
    with pytest.raises(PermissionDenied, match="not claimed"):
        telephony.desk.place_callback(world.staff["supervisor"], task_id)


def test_twilio_refusing_the_call_is_a_clear_error_and_the_call_is_marked_failed(
    telephony, wb, world, twilio_peer
):
    from workbench.telephony.voice import TelephonyError

    task_id = _claimed_task(wb, world)
    twilio_peer.faults.append(("status", 500, 20500, {}))
    with pytest.raises(TelephonyError, match="500 error 20500"):
        telephony.desk.place_callback(world.staff["agent"], task_id)
    with wb.sessions() as session:
        assert session.scalar(select(Call.status)) == "failed"


def test_a_complaint_registered_on_a_call_links_to_it(twilio, telephony, wb, world):
    from workbench.complaints.service import ComplaintIntake

    agent = world.staff["agent"]
    call_id = _ring(twilio, wb, world.app.phone)
    telephony.desk.take(agent, call_id)
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="billing",
                description="扣费有误",
                member_no=world.member_no,
            ),
            actor=agent,
        )
        session.commit()
    telephony.desk.link_complaint(agent, call_id, complaint.complaint_no)
    with wb.sessions() as session:
        assert session.get(Call, call_id).complaint_id == complaint.id


def test_the_call_log_lists_calls_with_numbers_masked(twilio, telephony, wb, world, run_cli):
    call_id = _ring(twilio, wb, world.app.phone)
    [line] = wb.usecases.calls.call_log(world.staff["agent"])
    assert (line.call_id, line.direction, line.known_member) == (call_id, "inbound", True)
    assert line.caller == world.app.phone[:3] + "****" + world.app.phone[-4:]
    code, out, _ = run_cli("telephony", "calls", user="agent")
    assert code == 0 and "number" in out and world.app.phone not in out
    code, _, err = run_cli("telephony", "calls", user="sales_own")
    assert code == 2 and "error:" in err
