"""`workbench calls` drives the call bar's operations from the command line, with the same rules
as the TUI's keys: a call in, answered through Twilio's status callbacks posted to the real
webhook server (the same fakes as test_call_hold.py); `calls current` shows it as the bar does
(masked caller, member, state, talk and hold timers), `calls hold`/`resume`/`transfer`/`end`
act on the agent's own call (or --call) through the use case, and a refusal is one clear line
on stderr with a non-zero exit, never a traceback."""

import io

import pytest

from tests.integration.test_call_hold import SID, _agent_leg, _call, _connected, _ring, _status
from tests.peers.fixtures import HOTLINE, PUBLIC


@pytest.fixture
def cli(run_cli, twilio, twilio_peer, monkeypatch):
    """The command line's own workbench, its Calls API pointed at the Twilio peer as the test
    workbench's is (the telephony fixture)."""
    monkeypatch.setenv("WORKBENCH_TELEPHONY_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("WORKBENCH_TELEPHONY_HOTLINE_NUMBER", HOTLINE)
    monkeypatch.setenv("WORKBENCH_TWILIO_ACCOUNT_SID", twilio_peer.account_sid)
    monkeypatch.setenv("WORKBENCH_TWILIO_API_BASE", twilio_peer.url)
    monkeypatch.setenv("WORKBENCH_TWILIO_AUTH_TOKEN", twilio_peer.auth_token)
    return run_cli


def _answer(monkeypatch, text: str) -> None:
    """What the person types at a confirmation prompt."""
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_a_call_from_the_command_line(
    cli, twilio, telephony, wb, world, twilio_peer, clock, monkeypatch
):
    masked = world.app.phone[:3] + "****" + world.app.phone[-4:]
    code, out, _ = cli("calls", "current", user="agent")
    assert code == 0 and "no call" in out and "available" in out
    code, _, err = cli("calls", "hold", user="agent")
    assert code == 2 and "not on a call" in err and "Traceback" not in err

    call_id = _connected(twilio, telephony, wb, world)
    clock.advance(seconds=30)
    code, out, _ = cli("calls", "current", user="agent")
    assert code == 0 and f"call {call_id}: in progress" in out
    assert masked in out and world.app.phone not in out and world.member_no in out
    assert "talk 00:30" in out and "on hold" not in out

    code, out, _ = cli("calls", "hold", user="agent")
    assert code == 0 and "on hold" in out
    assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/hold?call={call_id}"
    code, _, err = cli("calls", "hold", user="agent")  # the use case's rule, as in the TUI
    assert code == 2 and "on hold already" in err
    clock.advance(seconds=20)
    code, out, _ = cli("calls", "current", user="agent")
    assert "on hold · " in out and "talk 00:50 · on hold 00:20" in out
    code, out, _ = cli("calls", "resume", "--call", str(call_id), user="agent")
    assert code == 0 and "resuming" in out
    assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/connect?call={call_id}"
    _agent_leg(twilio, call_id, "in-progress")

    # Someone else's call, and a queue there is none of: refused, nothing asked of Twilio.
    updates = len(twilio_peer.call_updates)
    code, _, err = cli("calls", "end", "--call", str(call_id), "--yes", user="supervisor")
    assert code == 2 and f"call {call_id} is not supervisor's" in err
    code, _, err = cli("calls", "transfer", "--queue", "nowhere", user="agent")
    assert code == 2 and "queue: one of" in err
    code, _, err = cli("calls", "current", user="sales_own")
    assert code == 2 and "does not take calls" in err
    assert len(twilio_peer.call_updates) == updates

    # End asks first; the default is no.
    _answer(monkeypatch, "\n")
    code, out, _ = cli("calls", "end", user="agent")
    assert code == 1 and f"End call {call_id} with {masked}?" in out and "nothing done" in out
    assert len(twilio_peer.call_updates) == updates
    _answer(monkeypatch, "y\n")
    code, out, _ = cli("calls", "end", user="agent")
    assert code == 0 and "hanging up" in out
    assert twilio_peer.call_updates[-1] == (SID, {"Status": "completed"})
    _status(twilio, "completed", duration="60")  # over when Twilio says so
    code, out, _ = cli("calls", "current", user="agent")
    assert code == 0 and f"wrap-up of call {call_id} due" in out
    code, _, err = cli("calls", "end", "--call", str(call_id), "--yes", user="agent")
    assert code == 2 and "has ended" in err
    code, out, _ = cli(
        "calls",
        "wrap-up",
        str(call_id),
        "--disposition",
        "information",
        "--note",
        "x",
        user="agent",
    )
    assert code == 0 and "agent: available" in out
    call = _call(wb, call_id)
    assert (call.status, call.hold_seconds, call.disposition) == ("completed", 20, "information")


def test_a_transfer_from_the_command_line(cli, twilio, telephony, wb, world, twilio_peer):
    call_id = _connected(twilio, telephony, wb, world)
    queue = wb.usecases.calls.transfer_queues[0]
    code, out, _ = cli("calls", "transfer", "--queue", queue, user="agent")
    assert code == 0 and f"transferred to {queue}" in out
    assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/transfer?call={call_id}"
    call = _call(wb, call_id)
    assert (call.queue, call.agent_id) == (queue, None)
    code, out, _ = cli("calls", "current", user="agent")
    assert f"wrap-up of call {call_id} due" in out


def test_a_ringing_call_is_not_held(cli, twilio, telephony, wb, world):
    call_id = _ring(twilio, wb, world.app.phone)
    telephony.desk.take(world.staff["agent"], call_id)
    _agent_leg(twilio, call_id, "ringing")
    code, out, _ = cli("calls", "current", user="agent")
    assert code == 0 and "ringing" in out and "talk 00:00" in out
    code, _, err = cli("calls", "hold", user="agent")
    assert code == 2 and "not connected" in err
