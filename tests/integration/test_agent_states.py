"""Agent states on the hotline: a take puts the agent on the call, the call's end (Twilio's
status callback) puts them in wrap-up, a wrap-up with a disposition and note makes them
available again; an agent who is not available takes no call; the day's time in each state."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import password_hash
from tests.interleave import interleave
from tests.peers.fixtures import HOTLINE
from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.members.models import Staff
from workbench.permissions.auth import SessionExpired
from workbench.telephony import presence
from workbench.telephony.models import Call
from workbench.telephony.presence_models import AgentPresence, AgentState, AgentStateLog

SID = "CA" + "5" * 32


def _ring(telephony, wb, caller: str, sid: str = SID) -> int:
    telephony.hotline.incoming(call_sid=sid, from_number=caller, to_number=HOTLINE)
    with wb.sessions() as session:
        return session.scalar(select(Call.id).where(Call.call_sid == sid))


def _end(telephony, sid: str = SID, status: str = "completed") -> None:
    telephony.hotline.status(call_sid=sid, status=status, duration="42")


def test_a_call_from_take_to_wrap_up(telephony, wb, world, clock):
    desk, agent = wb.usecases.calls, world.staff["agent"]
    assert desk.my_state(agent).state == "available" and desk.my_state(agent).since is None
    call_id = _ring(telephony, wb, world.app.phone)
    desk.take(agent, call_id)
    assert (desk.my_state(agent).state, desk.my_state(agent).call_id) == ("on_call", call_id)
    with pytest.raises(InvalidState, match="on a call"):
        desk.set_my_state(agent, "break")
    with pytest.raises(InvalidState, match="not wrapping up"):  # the call has not ended
        desk.wrap_up(agent, call_id, "resolved", "done")
    clock.advance(minutes=3)
    _end(telephony)
    _end(telephony)  # a repeated callback changes nothing
    assert (desk.my_state(agent).state, desk.my_state(agent).call_id) == ("wrap_up", call_id)
    with pytest.raises(InvalidState, match="wrap-up"):
        desk.set_my_state(agent, "available")
    with pytest.raises(ValidationError, match="one of resolved"):
        desk.wrap_up(agent, call_id, "sorted", "done")
    with pytest.raises(ValidationError, match="needs a note"):
        desk.wrap_up(agent, call_id, "resolved", "   ")
    clock.advance(seconds=150)  # past the 120 s limit: reported, not blocked
    assert desk.my_state(agent).wrap_up_overdue
    after = desk.wrap_up(agent, call_id, "resolved", "会员询问积分 [b]x[/b]")
    assert after.state == "available" and after.call_id is None
    with wb.sessions() as session:
        call = session.get(Call, call_id)
        assert call.disposition == "resolved" and call.wrapped_at == clock.now()
        assert "积分" not in call.wrap_note_enc  # encrypted at rest
        assert wb.cipher.decrypt("call.wrap_note", call.wrap_note_enc) == "会员询问积分 [b]x[/b]"
        states = list(session.scalars(select(AgentStateLog.state).order_by(AgentStateLog.id)))
        assert states == ["on_call", "wrap_up", "available"]
        day = presence.time_in_states(
            session,
            agent.id,
            clock.now().astimezone(wb.settings.timezone).date(),
            zone=wb.settings.timezone,
            now=clock.now(),
            wrap_up_limit=timedelta(seconds=120),
        )
    assert day.seconds[AgentState.ON_CALL] == 180 and day.seconds[AgentState.WRAP_UP] == 150
    assert (day.wrap_ups, day.wrap_ups_overran) == (1, 1)
    with pytest.raises(InvalidState):  # one wrap-up per call
        desk.wrap_up(agent, call_id, "other", "again")


def test_an_agent_on_a_break_takes_no_call_until_available(telephony, wb, world):
    desk, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _ring(telephony, wb, world.app.phone)
    desk.set_my_state(agent, "break")
    with pytest.raises(InvalidState, match="cannot take calls now: the agent is break"):
        desk.take(agent, call_id)
    with wb.sessions() as session:  # the refused take left the call waiting
        assert session.get(Call, call_id).agent_id is None
    with pytest.raises(ValidationError, match="one of available, break, offline"):
        desk.set_my_state(agent, "on_call")
    desk.set_my_state(agent, "available")
    assert desk.take(agent, call_id).call_id == call_id


def test_an_unanswered_agent_leg_and_a_transfer(telephony, wb, world):
    desk, agent = wb.usecases.calls, world.staff["agent"]
    call_id = _ring(telephony, wb, world.app.phone)
    desk.take(agent, call_id)
    telephony.hotline.after_agent(call_id=call_id, dial_status="no-answer")
    assert desk.my_state(agent).state == "available"  # nothing to wrap up
    desk.take(agent, call_id)
    desk.transfer(agent, call_id, "supervisor")
    assert (desk.my_state(agent).state, desk.my_state(agent).call_id) == ("wrap_up", call_id)
    desk.wrap_up(agent, call_id, "transferred", "to the supervisor")
    assert desk.my_state(agent).state == "available"


def test_supervisors_see_every_agents_state(telephony, wb, world):
    desk = wb.usecases.calls
    desk.set_my_state(world.staff["agent"], "offline")
    states = {view.username: view.state for view in desk.agent_states(world.staff["supervisor"])}
    assert states["agent"] == "offline" and states["supervisor"] == "available"
    with pytest.raises(PermissionDenied):
        desk.agent_states(world.staff["agent"])


def test_state_changes_are_published(telephony, wb, world, monkeypatch):
    seen = []
    monkeypatch.setattr(telephony.events, "publish", lambda _session, payload: seen.append(payload))
    wb.usecases.calls.set_my_state(world.staff["agent"], "break")
    assert seen == [
        {
            "type": "agent_state",
            "agent_id": world.staff["agent"].id,
            "state": "break",
            "call_id": None,
        }
    ]


def test_a_take_waits_for_one_in_progress_and_is_refused(telephony, wb, world):
    """One agent, two calls: while one take holds the agent's row the other waits, then finds
    the agent on a call and leaves its call waiting."""
    desk, agent = wb.usecases.calls, world.staff["agent"]
    first_call = _ring(telephony, wb, world.app.phone)
    second_call = _ring(telephony, wb, "+8613900001111", sid="CA" + "6" * 32)

    def take_first(session):
        session.execute(update(Call).where(Call.id == first_call).values(agent_id=agent.id))
        presence.set_state(session, agent.id, AgentState.ON_CALL, wb.clock.now(), first_call)

    seen = interleave(wb, take_first, lambda: desk.take(agent, second_call))
    assert isinstance(seen.second, InvalidState) and "on_call" in str(seen.second)
    assert seen.second_after_first
    with wb.sessions() as session:
        assert session.get(Call, second_call).agent_id is None


def test_one_call_two_takes_interleaved(telephony, wb, world):
    desk = wb.usecases.calls
    call_id = _ring(telephony, wb, world.app.phone)
    supervisor = world.staff["supervisor"]

    def supervisor_takes(session):
        session.execute(update(Call).where(Call.id == call_id).values(agent_id=supervisor.id))
        presence.set_state(session, supervisor.id, AgentState.ON_CALL, wb.clock.now(), call_id)

    seen = interleave(wb, supervisor_takes, lambda: desk.take(world.staff["agent"], call_id))
    assert isinstance(seen.second, InvalidState) and "taken by someone else" in str(seen.second)
    assert seen.second_after_first
    assert desk.my_state(world.staff["agent"]).state == "available"


def test_the_commands(telephony, wb, world, run_cli, clock):
    call_id = _ring(telephony, wb, world.app.phone)
    wb.usecases.calls.take(world.staff["agent"], call_id)
    code, _, err = run_cli("agent", "state", "break", user="agent")
    assert code == 2 and "on a call" in err
    _end(telephony)
    code, _, err = run_cli(
        "calls", "wrap-up", str(call_id), "--disposition", "fixed", "--note", "x", user="agent"
    )
    assert code == 2 and "one of resolved" in err
    code, out, _ = run_cli(
        "calls",
        "wrap-up",
        str(call_id),
        "--disposition",
        "information",
        "--note",
        "[b]",
        user="agent",
    )
    assert code == 0 and "agent: available" in out
    assert run_cli("agent", "state", "offline", user="agent")[0] == 0
    code, out, _ = run_cli("agent", "states", user="supervisor")
    assert code == 0 and "offline" in out
    assert run_cli("agent", "states", user="agent")[0] == 2
    report = {
        line.username: line
        for line in wb.usecases.calls.state_report(
            world.staff["supervisor"], clock.now().astimezone(wb.settings.timezone).date()
        )
    }
    assert report["agent"].wrap_ups == 1 and report["agent"].seconds["wrap_up"] == 0
    code, out, _ = run_cli("agent", "report", user="supervisor")
    assert code == 0 and "overran" in out
    assert run_cli("agent", "report", "--day", "2026-13-01", user="supervisor")[0] == 2


def _with_password(wb, username: str, password: str) -> None:
    with wb.sessions() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        staff.password_hash = password_hash(password)
        session.commit()


def test_signing_out_or_timing_out_takes_the_agent_offline(
    telephony, wb, world, clock, monkeypatch
):
    """An agent who signs out (or whose session ends idle) is offline: no call is routed to a
    desk nobody sits at, and the wallboard hears of it. On a call, the call goes on."""
    desk, agent = wb.usecases.calls, world.staff["agent"]
    _with_password(wb, "agent", "pass-1")
    seen = []
    # Whatever bus the sign-out reaches (SQLite's in-process one, or a NOTIFY on PostgreSQL).
    bus = type(telephony.events)
    monkeypatch.setattr(bus, "publish", lambda _bus, _session, payload: seen.append(payload))
    signed_in = wb.usecases.sign_in.sign_in("agent", "pass-1")
    assert desk.my_state(agent).state == "available"
    wb.usecases.sign_in.sign_out(signed_in.token)
    assert desk.my_state(agent).state == "offline"
    assert seen == [
        {"type": "agent_state", "agent_id": agent.id, "state": "offline", "call_id": None}
    ]
    wb.usecases.sign_in.sign_out(signed_in.token)  # twice: nothing more happens
    assert len(seen) == 1
    monkeypatch.undo()

    desk.set_my_state(agent, "break")  # idle past the timeout, from a break
    signed_in = wb.usecases.sign_in.sign_in("agent", "pass-1")
    clock.advance(minutes=wb.settings.protection_idle_timeout_minutes + 1)
    with pytest.raises(SessionExpired):
        wb.usecases.sign_in.resume(signed_in.token)
    assert desk.my_state(agent).state == "offline"

    desk.set_my_state(agent, "available")  # on a call: the call goes on
    call_id = _ring(telephony, wb, world.app.phone)
    signed_in = wb.usecases.sign_in.sign_in("agent", "pass-1")
    desk.take(agent, call_id)
    wb.usecases.sign_in.sign_out(signed_in.token)
    assert (desk.my_state(agent).state, desk.my_state(agent).call_id) == ("on_call", call_id)


def test_a_supervisor_signing_out_goes_offline_a_clerk_has_no_state(telephony, wb, world):
    _with_password(wb, "supervisor", "pass-2")
    wb.usecases.sign_in.sign_out(wb.usecases.sign_in.sign_in("supervisor", "pass-2").token)
    assert wb.usecases.calls.my_state(world.staff["supervisor"]).state == "offline"
    clerk = next(s for s in world.staff.values() if s.role not in ("agent", "supervisor"))
    _with_password(wb, clerk.username, "pass-3")
    wb.usecases.sign_in.sign_out(wb.usecases.sign_in.sign_in(clerk.username, "pass-3").token)
    with wb.sessions() as session:
        assert session.get(AgentPresence, clerk.id) is None
