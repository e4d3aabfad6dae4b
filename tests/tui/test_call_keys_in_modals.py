"""The call keys from inside a dialog (issue 17 item 4): an agent who opened a modal during a
call (here the reveal dialog, its purpose field in focus) still holds, resumes, transfers and
ends the call with F11, Ctrl+T and F12, as on every full screen; the dialog stays open with
what was typed, F1's list in it names the keys, and the call bar behind it shows the state.
A key's own dialog (the end confirmation, the transfer) does not open a second of itself."""

from textual.widgets import Input, Select

from tests.peers.fixtures import PUBLIC
from tests.tui.harness import running
from tests.tui.screen_tour import screen_text
from tests.tui.test_call_bar import SID, _bar_state, _call_id, _posted, _ring
from tests.tui.test_calls import _take
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen, TransferScreen
from workbench.tui.screens.help import screen_keys
from workbench.tui.screens.reveal import RevealScreen
from workbench.tui.screens.wrap_up import WrapUpScreen


async def _connected(desk, twilio, world) -> int:
    await _ring(desk, twilio, world.app.phone)
    await _take(desk)
    call_id = _call_id(desk.app.wb)
    leg = f"/voice/agent-leg?call={call_id}"
    await _posted(desk, twilio, leg, {"CallStatus": "in-progress"}, "in_progress")
    return call_id


async def test_hold_and_end_from_a_dialog(tui_world, wb, telephony, twilio, twilio_peer, clock):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        call_id = await _connected(desk, twilio, world)
        await desk.press("ctrl+r")
        dialog = await desk.shown(RevealScreen)
        note = dialog.query_one("#reveal-note", Input)
        await desk.fill("#reveal-note", "caller asked")
        assert app.focused is note
        keys = dict(screen_keys(app.screen))
        assert keys["F11"] == "Hold/resume" and keys["F12"] == "End call"
        assert keys["Ctrl+T"] == "Transfer"

        await desk.press("f11")  # typed into the note: a function key, not text
        await desk.done("call_act")
        await _bar_state(desk, "on_hold")
        assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/hold?call={call_id}"
        assert app.screen is dialog and note.value == "caller asked"
        clock.advance(seconds=3)
        for screen in app.screen_stack:  # what the bars' one-second timers do
            for bar in screen.query("CallBar"):
                bar.tick()
        await desk.pilot.pause()
        assert "保持中" in screen_text(app) and "保持 00:03" in screen_text(app)  # behind it
        await desk.press("f11")
        await desk.done("call_act")
        assert twilio_peer.call_updates[-1][1]["Url"] == f"{PUBLIC}/voice/connect?call={call_id}"
        leg = f"/voice/agent-leg?call={call_id}"
        await _posted(desk, twilio, leg, {"CallStatus": "in-progress"}, "in_progress")

        # F12: the end's confirmation over the dialog; F12 in it opens no second one.
        await desk.press("f12")
        confirm = await desk.shown(ConfirmScreen)
        assert "F12" not in dict(screen_keys(confirm))
        await desk.press("f12")
        await desk.pilot.pause()
        assert (
            app.screen is confirm
            and sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
        )
        await desk.press("escape")  # Cancel: the dialog beneath, as it was
        await desk.shown(RevealScreen)
        assert app.screen is dialog and note.value == "caller asked"
        await desk.press("f12")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("call_act")
        assert twilio_peer.call_updates[-1] == (SID, {"Status": "completed"})
        desk.mark()
        form = {"CallSid": SID, "CallStatus": "completed", "CallDuration": "20"}
        assert twilio.post("/voice/status", form).ok
        await desk.shown(WrapUpScreen)
        await desk.done_until("load_call_bar", lambda: app.wrap_up_state is not None, "wrap-up")
        assert "F12" not in dict(screen_keys(app.screen))  # the wrap-up is open already


async def test_transfer_from_a_dialog(tui_world, wb, telephony, twilio, twilio_peer):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        call_id = await _connected(desk, twilio, world)
        await desk.press("ctrl+r")
        await desk.shown(RevealScreen)
        await desk.press("ctrl+t")
        transfer = await desk.shown(TransferScreen)
        assert "Ctrl+T" not in dict(screen_keys(transfer))
        await desk.press("ctrl+t")
        await desk.pilot.pause()
        assert sum(isinstance(s, TransferScreen) for s in app.screen_stack) == 1
        transfer.query_one("#transfer-queue", Select).value = "supervisor"
        await desk.click("#modal-submit")
        await desk.done("call_act")
        url = twilio_peer.call_updates[-1][1]["Url"]
        assert url == f"{PUBLIC}/voice/transfer?call={call_id}"
        await desk.shown(WrapUpScreen)


async def test_no_call_keys_in_a_dialog_without_a_call(tui_world, wb, telephony):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await desk.press("f1")  # the help: a dialog too
        await desk.pilot.pause()
        keys = dict(screen_keys(app.screen))
        assert "F11" not in keys and "F12" not in keys and "Ctrl+T" not in keys
