"""The call bar's domain, on both backends: a call in from ring to wrap-up with Twilio's status
callbacks posted to the real webhook server — the agent's leg answering starts the talk timer,
a hold redirects the caller's leg to the hold message and a resume back to the agent (the local
Twilio peer sees both), the hold's seconds are kept, an end is a hang-up through the Calls API
and the call is over only when Twilio's "completed" says so. Status callbacks arriving late or
twice do not undo what is known; a hold and the call's end lock the call's row one after the
other; the demo call plays the same path through the same handlers."""

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from tests.interleave import interleave
from tests.peers.fixtures import HOTLINE, PUBLIC
from workbench.errors import InvalidState, PermissionDenied
from workbench.telephony.models import Call
from workbench.telephony.voice import TelephonyError

SID = "CA" + "6" * 32


def _ring(twilio, wb, caller: str, sid: str = SID) -> int:
    """A call in, answered by Twilio (its status callbacks), waiting for an agent."""
    assert twilio.post("/voice/incoming", {"CallSid": sid, "From": caller, "To": HOTLINE}).ok
    _status(twilio, "ringing", sid)
    _status(twilio, "in-progress", sid)
    with wb.sessions() as session:
        return session.scalar(select(Call.id).where(Call.call_sid == sid))


def _status(twilio, status: str, sid: str = SID, duration: str = "") -> None:
    form = {"CallSid": sid, "CallStatus": status}
    if duration:
        form["CallDuration"] = duration
    assert twilio.post("/voice/status", form).status_code == 204


def _agent_leg(twilio, call_id: int, status: str) -> None:
    form = {"CallSid": "CA" + "9" * 32, "ParentCallSid": SID, "CallStatus": status}
    assert twilio.post(f"/voice/agent-leg?call={call_id}", form).status_code == 204


def _call(wb, call_id: int) -> Call:
    with wb.sessions() as session:
        return session.get(Call, call_id)


def _connected(twilio, telephony, wb, world) -> int:
    """Rung, taken by the agent, whose leg rang and answered."""
    call_id = _ring(twilio, wb, world.app.phone)
    telephony.desk.take(world.staff["agent"], call_id)
    _agent_leg(twilio, call_id, "ringing")
    _agent_leg(twilio, call_id, "in-progress")
    return call_id


def test_ring_answer_hold_resume_end_wrap_up(twilio, telephony, wb, world, twilio_peer, clock):
    calls, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _ring(twilio, wb, world.app.phone)
    assert twilio.post("/voice/menu", {"CallSid": SID, "Digits": "0"}).ok  # an agent, please
    assert _call(wb, call_id).status == "queued"
    assert calls.my_call(agent) is None  # not the agent's yet
    calls.take(agent, call_id)
    # The take redirects the caller to the dial of the agent, whose leg reports back.
    assert twilio_peer.call_updates[-1] == (
        SID,
        {"Url": f"{PUBLIC}/voice/connect?call={call_id}", "Method": "POST"},
    )
    dial = ET.fromstring(twilio.post(f"/voice/connect?call={call_id}", {"CallSid": SID}).text)
    client = dial.find("Dial/Client")
    assert client.get("statusCallback") == f"{PUBLIC}/voice/agent-leg?call={call_id}"
    assert "answered" in client.get("statusCallbackEvent")
    bar = calls.my_call(agent)
    masked = world.app.phone[:3] + "****" + world.app.phone[-4:]
    assert (bar.state, bar.caller, bar.member_no) == ("ringing", masked, world.member_no)
    assert bar.talk_since is None
    with pytest.raises(InvalidState, match="not connected"):
        calls.hold(agent, call_id)
    _agent_leg(twilio, call_id, "ringing")
    _agent_leg(twilio, call_id, "in-progress")
    answered = clock.now()
    assert _call(wb, call_id).status == "in-progress"  # the caller talks to the agent
    bar = calls.my_call(agent)
    assert (bar.state, bar.talk_since) == ("in_progress", answered)

    clock.advance(seconds=30)
    calls.hold(agent, call_id)
    sid, form = twilio_peer.call_updates[-1]
    assert (sid, form["Url"]) == (SID, f"{PUBLIC}/voice/hold?call={call_id}")
    assert calls.my_call(agent).state == "on_hold"
    with pytest.raises(InvalidState, match="on hold already"):
        calls.hold(agent, call_id)
    # Twilio fetches the hold TwiML: the message, a pause, and again.
    hold = ET.fromstring(twilio.post(f"/voice/hold?call={call_id}", {"CallSid": SID}).text)
    assert hold.find("Say").text and hold.find("Pause") is not None
    assert hold.find("Redirect").text == f"{PUBLIC}/voice/hold?call={call_id}"
    # The redirect ended the dial to the agent: the caller stays on hold, not hung up.
    after = twilio.post(
        f"/voice/after-agent?call={call_id}", {"CallSid": SID, "DialCallStatus": "completed"}
    )
    assert ET.fromstring(after.text).find("Hangup") is None
    _agent_leg(twilio, call_id, "completed")  # the agent's leg: not the call's end
    assert _call(wb, call_id).status == "in-progress"

    clock.advance(seconds=20)
    calls.resume(agent, call_id)
    sid, form = twilio_peer.call_updates[-1]
    assert (sid, form["Url"]) == (SID, f"{PUBLIC}/voice/connect?call={call_id}")
    with pytest.raises(InvalidState, match="not on hold"):
        calls.resume(agent, call_id)
    _agent_leg(twilio, call_id, "in-progress")
    bar = calls.my_call(agent)
    assert (bar.state, bar.hold_seconds, bar.talk_since) == ("in_progress", 20, answered)

    clock.advance(seconds=10)
    calls.end_call(agent, call_id)
    sid, form = twilio_peer.call_updates[-1]
    assert (sid, form) == (SID, {"Status": "completed"})
    assert calls.my_call(agent).state == "in_progress"  # over when Twilio says so
    _status(twilio, "completed", duration="75")
    call = _call(wb, call_id)
    assert (call.status, call.duration_seconds, call.hold_seconds) == ("completed", 75, 20)
    assert call.ended_at == clock.now() and call.hold_started_at is None
    assert calls.my_call(agent) is None and calls.my_state(agent).state == "wrap_up"
    with pytest.raises(InvalidState, match="has ended"):
        calls.end_call(agent, call_id)
    calls.wrap_up(agent, call_id, "information", "asked about points")
    assert calls.my_state(agent).state == "available"


def test_only_the_agent_on_the_call_holds_or_ends_it(twilio, telephony, wb, world, twilio_peer):
    calls = wb.usecases.calls
    call_id = _connected(twilio, telephony, wb, world)
    updates = len(twilio_peer.call_updates)
    with pytest.raises(PermissionDenied):
        calls.hold(world.staff["supervisor"], call_id)
    with pytest.raises(PermissionDenied):
        calls.end_call(world.staff["supervisor"], call_id)
    with pytest.raises(PermissionDenied):  # a role that takes no calls
        calls.hold(world.staff["sales_own"], call_id)
    assert calls.my_call(world.staff["sales_own"]) is None
    assert len(twilio_peer.call_updates) == updates  # Twilio was asked nothing


def test_twilio_refusing_the_hold_leaves_the_call_as_it_was(
    twilio, telephony, wb, world, twilio_peer
):
    calls, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _connected(twilio, telephony, wb, world)
    twilio_peer.faults.append(("status", 500, 20500, {}))
    with pytest.raises(TelephonyError, match="could not redirect the call"):
        calls.hold(agent, call_id)
    assert calls.my_call(agent).state == "in_progress"
    assert _call(wb, call_id).hold_started_at is None
    calls.hold(agent, call_id)  # and it can be tried again
    assert calls.my_call(agent).state == "on_hold"


def test_a_call_ending_on_hold_counts_the_hold_and_a_transfer_ends_it(
    twilio, telephony, wb, world, clock
):
    calls, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _connected(twilio, telephony, wb, world)
    calls.hold(agent, call_id)
    clock.advance(seconds=12)
    _status(twilio, "completed", duration="40")  # the caller hung up while on hold
    call = _call(wb, call_id)
    assert (call.status, call.hold_seconds, call.hold_started_at) == ("completed", 12, None)
    assert calls.my_state(agent).state == "wrap_up"

    other = "CA" + "8" * 32
    second = _ring(twilio, wb, world.app.phone, sid=other)
    calls.wrap_up(agent, call_id, "information", "done")
    calls.take(agent, second)
    _agent_leg(twilio, second, "in-progress")
    calls.hold(agent, second)
    clock.advance(seconds=5)
    calls.transfer(agent, second, "supervisor")
    call = _call(wb, second)
    assert (call.hold_seconds, call.hold_started_at, call.agent_id) == (5, None, None)


def test_status_callbacks_late_or_twice_do_not_undo_what_is_known(twilio, telephony, wb, world):
    call_id = _connected(twilio, telephony, wb, world)
    _status(twilio, "ringing")  # late, after the answer
    assert _call(wb, call_id).status == "in-progress"
    _status(twilio, "no-answer")  # the end, as Twilio reports it
    _status(twilio, "in-progress")  # a retry of an old callback
    _status(twilio, "completed")
    call = _call(wb, call_id)
    assert call.status == "no-answer" and call.ended_at is not None


def test_each_end_status_is_kept_for_the_call_log(twilio, telephony, wb, world):
    for n, status in enumerate(("busy", "failed", "no-answer")):
        sid = f"CA{n:032d}"
        call_id = _ring(twilio, wb, world.app.phone, sid=sid)
        _status(twilio, status, sid)
        assert _call(wb, call_id).status == status
    line = wb.usecases.calls.call_log(world.staff["agent"], limit=3)
    assert [entry.status for entry in line] == ["no-answer", "failed", "busy"]


def test_a_hold_and_the_calls_end_one_after_the_other(twilio, telephony, wb, world, clock):
    """The hold's transaction holds the call's row; Twilio's "completed" waits for it, then
    counts the hold (on PostgreSQL it is seen waiting on the row lock)."""
    calls, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _connected(twilio, telephony, wb, world)
    held_at = clock.now()

    def hold_in_progress(session):
        call = session.scalar(select(Call).where(Call.id == call_id).with_for_update())
        call.hold_started_at = held_at
        session.flush()

    def call_ends():
        clock.advance(seconds=7)
        telephony.hotline.status(call_sid=SID, status="completed", duration="30")

    seen = interleave(wb, hold_in_progress, call_ends)
    assert seen.second is None and seen.second_after_first
    call = _call(wb, call_id)
    assert (call.status, call.hold_seconds, call.hold_started_at) == ("completed", 7, None)
    assert calls.my_state(agent).state == "wrap_up"


@pytest.fixture
def no_twilio(wb):
    """The hotline with no Twilio account configured (the demo's, or a desk without one)."""
    from workbench.bootstrap import build_telephony
    from workbench.usecases import build_usecases

    wb.telephony = build_telephony(wb)
    wb.usecases = build_usecases(wb, wb.telephony)
    return wb.telephony


def test_the_demo_call_drives_the_same_status_callbacks(no_twilio, wb, world, clock, monkeypatch):
    """No Twilio account: the demo plays Twilio through the hotline's own handlers."""
    from workbench.demo import calls as demo_calls

    calls, agent = wb.usecases.calls, world.staff["agent"]
    assert wb.telephony.desk.voice is None
    seen: list[tuple[str, str]] = []
    hotline = wb.telephony.hotline
    handler = hotline.status  # what the webhook server's /voice/status runs

    def recorded(*, call_sid: str, status: str, duration: str) -> None:
        seen.append((status, duration))
        handler(call_sid=call_sid, status=status, duration=duration)

    monkeypatch.setattr(hotline, "status", recorded)
    monkeypatch.setattr(demo_calls.random.Random, "random", lambda self: 0.0)  # a member rings
    sid = calls.ring_demo_call()
    with wb.sessions() as session:
        call = session.scalar(select(Call).where(Call.call_sid == sid))
    assert call.status == "in-progress" and call.answered_at == clock.now()
    calls.take(agent, call.id)
    bar = calls.my_call(agent)
    assert bar.state == "in_progress" and bar.talk_since == clock.now()  # the demo agent answers
    clock.advance(seconds=15)
    calls.hold(agent, call.id)
    assert calls.my_call(agent).state == "on_hold"
    clock.advance(seconds=9)
    calls.resume(agent, call.id)
    clock.advance(seconds=6)
    calls.end_call(agent, call.id)
    assert seen == [("ringing", ""), ("in-progress", ""), ("completed", "30")]
    ended = _call(wb, call.id)
    assert (ended.status, ended.duration_seconds, ended.hold_seconds) == ("completed", 30, 9)
    assert calls.my_state(agent).state == "wrap_up"
    with pytest.raises(TelephonyError, match="dial by hand"):
        wb.telephony.desk.voice.call(to="x", from_="y", url="z", status_callback="s")


def test_without_twilio_the_desk_says_to_use_the_phone(no_twilio, wb, world):
    calls, agent = wb.usecases.calls, world.staff["agent"]
    hotline = wb.telephony.hotline
    hotline.incoming(call_sid=SID, from_number=world.app.phone, to_number=HOTLINE)
    with wb.sessions() as session:
        call_id = session.scalar(select(Call.id).where(Call.call_sid == SID))
    calls.take(agent, call_id)
    hotline.agent_leg(call_id=call_id, status="in-progress")
    with pytest.raises(InvalidState, match="no Twilio account"):
        calls.end_call(agent, call_id)
    with pytest.raises(InvalidState, match="no Twilio account"):
        calls.hold(agent, call_id)
    call = _call(wb, call_id)
    assert (call.status, call.ended_at) == ("in-progress", None)  # nothing was pretended
