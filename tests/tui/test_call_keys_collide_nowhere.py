"""The call bar's keys (F11, Ctrl+T, F12) are the app's, and a screen's binding of the same key
would win over them: Ctrl+T recorded an activity's cost and ended a membership now, so the
transfer could not be reached there during a call (issue 17 item 4). No screen binds a call
key to anything else now (the profile's Ctrl+T is the same transfer); the activity's cost is
Ctrl+K and "terminate now" Ctrl+E, each listed in F1's help and the footer."""

from __future__ import annotations

from textual.binding import Binding

from tests.tui.harness import running
from tests.tui.test_call_bar import _call_id, _posted, _ring
from tests.tui.test_calls import _take
from tests.tui.test_safe_keys import _classes
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen, TransferScreen
from workbench.tui.screens.activities import ActivityScreen
from workbench.tui.screens.help import screen_keys
from workbench.tui.screens.termination import TerminationNoticeScreen
from workbench.tui.widgets.call_bar import CALL_BINDINGS, CallKeys

CALL_KEYS = {binding.key for binding in CALL_BINDINGS}
CALL_ACTIONS = {binding.action for binding in CALL_BINDINGS}
# The same thing as the call bar's key: the profile transfers the call it was opened on.
SAME_MEANING = {("ProfileScreen", "ctrl+t", "transfer")}


def test_no_screen_binds_a_call_key_to_anything_else():
    offending = []
    for cls in _classes():
        if issubclass(cls, CallKeys):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            key, action = (
                (binding.key, binding.action) if isinstance(binding, Binding) else binding[:2]
            )
            for one in (k.strip() for k in key.split(",")):
                if one not in CALL_KEYS or action.removeprefix("app.") in CALL_ACTIONS:
                    continue
                if (cls.__name__, one, action) not in SAME_MEANING:
                    offending.append(f"{cls.__module__}.{cls.__name__}: {one} -> {action}")
    assert offending == []
    keys = {b.key: b.action for b in ActivityScreen.BINDINGS}
    assert keys["ctrl+k"] == "cost" and "ctrl+t" not in keys
    keys = {b.key: b.action for b in TerminationNoticeScreen.BINDINGS}
    assert keys["ctrl+e"] == "terminate_now" and "ctrl+t" not in keys


def _footer(app) -> str:
    return " ".join(str(key.render()) for key in app.screen.query("FooterKey"))


async def test_transfer_from_the_termination_and_activity_screens(tui_world, wb, telephony, twilio):
    world = tui_world
    wb.usecases.termination.request(world.staff["agent"], world.member_no)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("supervisor")  # supervisors take calls too
        await _ring(desk, twilio, world.app.phone)
        await _take(desk)
        call_id = _call_id(wb)
        leg = f"/voice/agent-leg?call={call_id}"
        await _posted(desk, twilio, leg, {"CallStatus": "in-progress"}, "in_progress")

        desk.mark()
        app.push_screen(TerminationNoticeScreen(world.member_no))
        screen = await desk.shown(TerminationNoticeScreen)
        await desk.done("load")
        keys = dict(screen_keys(screen))
        assert keys["Ctrl+E"] == "Terminate now" and keys["Ctrl+T"] == "Transfer"
        assert "立即终止" in _footer(app) and "转接" in _footer(app)
        await desk.press("ctrl+t")
        await desk.shown(TransferScreen)
        await desk.press("escape")
        await desk.shown(TerminationNoticeScreen)
        await desk.press("ctrl+e")  # the screen's own key: asked first
        confirm = await desk.shown(ConfirmScreen)
        assert confirm.focused is not None and confirm.focused.id == "modal-cancel"
        await desk.press("escape")
        await desk.shown(TerminationNoticeScreen)

        desk.mark()
        app.push_screen(ActivityScreen("A-none"))  # no such activity: its keys all the same
        await desk.shown(ActivityScreen)
        await desk.press("ctrl+t")
        await desk.shown(TransferScreen)
        assert app.active_call is not None and app.active_call.call_id == call_id
