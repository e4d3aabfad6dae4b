"""The call bar under a Pilot, a whole call: ring -> answer -> hold -> resume -> end (or
transfer) -> wrap-up, with Twilio's status callbacks posted to the real webhook server (the
local Twilio peer sees the redirects and the hang-up), the bar on every screen with the caller
masked, the member's number, the talk timer from the injected clock and the call's state; and
the demo call, which plays Twilio through the same handlers."""

from datetime import timedelta

from sqlalchemy import select
from textual.widgets import Select, Static

from tests.peers.fixtures import HOTLINE, PUBLIC
from tests.tui.harness import Desk, running
from tests.tui.test_calls import _take
from workbench.telephony.models import Call
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen, TransferScreen
from workbench.tui.screens.complaint_form import ComplaintFormScreen
from workbench.tui.screens.complaint_list import ComplaintListScreen
from workbench.tui.screens.help import screen_keys
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.wrap_up import WrapUpScreen
from workbench.tui.widgets.call_bar import CallBar

SID = "CA" + "4" * 32


async def _ring(desk: Desk, twilio, caller: str) -> None:
    """Twilio posts the call and answers it (status callbacks); the home screen pops it."""
    desk.mark()
    assert twilio.post("/voice/incoming", {"CallSid": SID, "From": caller, "To": HOTLINE}).ok
    for status in ("ringing", "in-progress"):
        assert twilio.post("/voice/status", {"CallSid": SID, "CallStatus": status}).ok
    banner = desk.app.screen.query_one("#call-banner", Static)
    await desk.done_until("load_calls", lambda: banner.display, "a screen pop")


def _call_id(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(Call.id).where(Call.call_sid == SID))


async def _posted(desk: Desk, twilio, path: str, form: dict, state: str) -> None:
    """A webhook of Twilio's, then the bar's reload (the call event) until it shows `state`."""
    desk.mark()
    response = twilio.post(path, {"CallSid": SID, **form})
    assert response.ok, response.text
    await _bar_state(desk, state)


async def _bar_state(desk: Desk, state: str | None) -> None:
    app = desk.app

    def shown() -> bool:
        call = app.active_call
        return (call.state if call is not None else None) == state

    await desk.done_until("load_call_bar", shown, f"the call bar to show {state}")


def _bar(desk: Desk) -> CallBar:
    bar = desk.app.screen.query_one(CallBar)
    bar.tick()  # what its one-second timer does
    return bar


def _footer(desk: Desk) -> str:
    return " ".join(str(key.render()) for key in desk.app.screen.query("FooterKey"))


async def test_a_call_from_ring_to_wrap_up(tui_world, wb, telephony, twilio, twilio_peer, clock):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        assert not _bar(desk).display and "F11" not in str(screen_keys(app.screen))
        await _ring(desk, twilio, world.app.phone)
        await _take(desk)
        call_id = _call_id(wb)
        assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/connect?call={call_id}"
        await _bar_state(desk, "ringing")  # the agent's phone rings
        leg = f"/voice/agent-leg?call={call_id}"
        await _posted(desk, twilio, leg, {"CallStatus": "ringing"}, "ringing")
        bar = _bar(desk)
        masked = world.app.phone[:3] + "****" + world.app.phone[-4:]
        text = str(bar.render())
        assert bar.display and "振铃中" in text and masked in text and world.member_no in text
        assert world.app.phone not in text
        assert not app.screen.active_bindings["f11"].enabled  # no hold before the answer
        await _posted(desk, twilio, leg, {"CallStatus": "in-progress"}, "in_progress")
        clock.advance(seconds=30)
        assert "通话中" in str(_bar(desk).render()) and "00:30" in str(_bar(desk).render())
        keys = dict(screen_keys(app.screen))
        assert keys["F11"] == "Hold/resume" and keys["F12"] == "End call"
        assert "保持/恢复" in _footer(desk) and "挂断" in _footer(desk)

        # Hold: Twilio redirects the caller to the hold message.
        await desk.press("f11")
        await desk.done("call_act")
        await _bar_state(desk, "on_hold")
        assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/hold?call={call_id}"
        clock.advance(seconds=20)
        text = str(_bar(desk).render())
        assert "保持中" in text and "保持 00:20" in text and "00:50" in text
        assert _bar(desk).has_class("on-hold")
        # The bar is on every screen: the complaint list has it too.
        await desk.press("escape")
        await desk.shown(HomeScreen)
        await desk.press("f7")
        await desk.shown(ComplaintListScreen)
        assert "保持中" in str(_bar(desk).render())
        await desk.press("f11")  # resume, from here
        await desk.done("call_act")
        assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/connect?call={call_id}"
        await _posted(desk, twilio, leg, {"CallStatus": "in-progress"}, "in_progress")
        clock.advance(seconds=10)
        text = str(_bar(desk).render())
        assert "通话中" in text and "01:00" in text and "保持 00:20" in text

        # End: a confirmation that defaults to Cancel, then Twilio hangs up.
        await desk.press("f12")
        dialog = await desk.shown(ConfirmScreen)
        assert app.focused is dialog.query_one("#modal-cancel")
        assert masked in str(dialog.query_one(Static).render())
        await desk.click("#modal-submit")
        await desk.done("call_act")
        assert twilio_peer.call_updates[-1] == (SID, {"Status": "completed"})
        assert app.active_call is not None  # over only when Twilio says so
        desk.mark()
        form = {"CallSid": SID, "CallStatus": "completed", "CallDuration": "60"}
        assert twilio.post("/voice/status", form).ok
        wrap_up = await desk.shown(WrapUpScreen)
        await _bar_state(desk, None)
        await desk.done_until("load_call_bar", lambda: app.wrap_up_state is not None, "wrap-up")
        wrap_up.tick()  # its one-second timer
        assert "已用 00:00" in str(wrap_up.query_one("#wrap-up-limit", Static).render())
        assert dict(screen_keys(app.screen)).get("F12") is None  # the dialog is open already
        await desk.fill("#wrap-up-note", "问积分，已解答")
        await desk.press("ctrl+s")
        await desk.done("submit")
        assert not isinstance(app.screen, WrapUpScreen) and wrap_up is not app.screen
        assert app.calls.my_state(app.staff).state == "available"
        assert not _bar(desk).display
        with wb.sessions() as session:
            call = session.get(Call, call_id)
        assert (call.status, call.hold_seconds, call.duration_seconds) == ("completed", 20, 60)
        assert call.disposition == "resolved"


async def test_a_transfer_from_the_bar_then_the_wrap_up_later(
    tui_world, wb, telephony, twilio, twilio_peer, clock
):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await _ring(desk, twilio, world.app.phone)
        profile = await _take(desk)
        call_id = _call_id(wb)
        leg = f"/voice/agent-leg?call={call_id}"
        await _posted(desk, twilio, leg, {"CallStatus": "in-progress"}, "in_progress")
        # From the complaint form opened on the profile (the profile's own Ctrl+T is its own).
        await desk.press("f2")
        form = await desk.shown(ComplaintFormScreen)
        assert "通话中" in str(_bar(desk).render())
        await desk.press("ctrl+t")
        await desk.shown(TransferScreen)
        app.screen.query_one("#transfer-queue", Select).value = "supervisor"
        await desk.click("#modal-submit")
        await desk.done("call_act", "reload")  # the profile beneath, without the call's grant
        url = twilio_peer.call_updates[-1][1]["Url"]
        assert url == f"{PUBLIC}/voice/transfer?call={call_id}"
        assert profile.call_id is None and profile.view is None
        dialog = await desk.shown(WrapUpScreen)  # the call left the agent: its wrap-up
        assert dialog.call_id == call_id
        await desk.press("escape")  # later
        await desk.shown(ComplaintFormScreen)
        await desk.press("escape")
        await desk.shown(ProfileScreen)
        await desk.press("escape")
        await desk.shown(HomeScreen)
        assert form is not app.screen
        await _bar_state(desk, None)
        await desk.done_until("load_call_bar", lambda: app.wrap_up_state is not None, "wrap-up")
        assert dict(screen_keys(app.screen))["F12"] == "Wrap up"  # on any screen
        limit = app.calls.desk.wrap_up_limit
        clock.advance(limit + timedelta(seconds=1))  # the bar says the wrap-up overran
        text = str(_bar(desk).render())
        assert "话后处理" in text and f"通话 {call_id}" in text and "已超时" in text
        await desk.press("f12")
        dialog = await desk.shown(WrapUpScreen)
        dialog.query_one("#wrap-up-disposition", Select).value = "transferred"
        await desk.fill("#wrap-up-note", "转主管")
        await desk.press("ctrl+s")
        await desk.done("submit")
        assert app.calls.my_state(app.staff).state == "available"


async def test_the_demo_call_through_the_bar(tui_world, wb, clock):
    """No Twilio account: F9 rings, the demo's Twilio answers, and its status callbacks go
    through the same handler."""
    async with running(WorkbenchApp(wb, demo=True), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await desk.press("f9")
        await desk.done("simulate_call")
        banner = app.screen.query_one("#call-banner", Static)
        await desk.done_until("load_calls", lambda: banner.display, "the demo call's pop")
        await desk.press("f2")
        await desk.done("take_call")
        await _bar_state(desk, "in_progress")  # the demo agent's softphone answers at once
        clock.advance(seconds=5)
        await desk.press("f11")
        await desk.done("call_act")
        await _bar_state(desk, "on_hold")
        clock.advance(seconds=4)
        await desk.press("f11")
        await desk.done("call_act")
        await _bar_state(desk, "in_progress")
        await desk.press("f12")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.shown(WrapUpScreen)
        with wb.sessions() as session:
            call = session.scalar(select(Call).order_by(Call.id.desc()))
        assert (call.status, call.duration_seconds, call.hold_seconds) == ("completed", 9, 4)
