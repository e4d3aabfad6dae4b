"""A call's end in the TUI: take → Twilio's status callback "completed" → the wrap-up dialog
opens by itself → a refusal keeps what was typed → submitted, the agent is available; the home
screen's state key moves the agent to a break."""

from textual.widgets import Select, Static

from tests.tui.harness import running
from tests.tui.test_calls import _take, ring
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.wrap_up import WrapUpScreen
from workbench.tui.widgets.agent_state import AgentStateLine

SID = "CA" + "1" * 32


async def test_take_end_wrap_up_available(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await ring(desk, tui_world.app.phone, sid=SID)
        await _take(desk)
        app.wb.telephony.hotline.status(call_sid=SID, status="completed", duration="30")
        dialog = await desk.shown(WrapUpScreen)
        assert isinstance(dialog, WrapUpScreen)
        dialog.query_one("#wrap-up-disposition", Select).value = "information"
        await desk.fill("#wrap-up-note", "   ")
        await desk.press("ctrl+s")
        await desk.done("submit")
        assert "note" in str(dialog.query_one("#wrap-up-error", Static).render())
        assert app.screen is dialog and dialog.query_one("#wrap-up-note").has_class("invalid")
        await desk.fill("#wrap-up-note", "问积分 [b]到期[/b]")
        await desk.press("enter")
        await desk.done("submit")
        assert not isinstance(app.screen, WrapUpScreen)
        assert app.calls.my_state(app.staff).state == "available"
        await desk.press("escape")  # the profile
        home = await desk.shown(HomeScreen)
        line = home.query_one(AgentStateLine)
        await desk.done_until("load_state", lambda: line.view is not None, "the agent's state")
        assert "空闲" in str(line.render())
        await desk.press("f10")
        await desk.done("change")
        assert line.view.state == "break" and "小休" in str(line.render())
