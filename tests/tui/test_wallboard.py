"""The wallboard under a Pilot: Ctrl+B from a supervisor's home opens it, and a call ringing the
hotline (a call event) brings new figures to it without a key pressed."""

from textual.widgets import DataTable

from tests.tui.harness import WAIT, Desk, running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.wallboard import WallboardScreen

HOTLINE = "+864008000800"


async def _refreshed(desk: Desk) -> None:
    """Waits for the screen to show a delivery of figures (since the mark)."""
    await desk._next(lambda m: isinstance(m, WallboardScreen.Refreshed), "new figures", WAIT)
    await desk.pilot.pause()


async def test_the_wallboard_updates_from_a_call_event(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(80, 24)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("ctrl+b")
        screen = await desk.shown(WallboardScreen)
        await _refreshed(desk)  # listening, the first figures shown
        assert screen.shown is not None and screen.shown.total.waiting == 0
        desk.mark()
        wb.telephony.hotline.incoming(
            call_sid="CA" + "7" * 32, from_number="+8613900000099", to_number=HOTLINE
        )
        await _refreshed(desk)
        assert screen.shown.total.waiting == 1
        table = screen.query_one("#wallboard-queues", DataTable)
        total = table.get_row_at(table.row_count - 1)
        assert [str(cell) for cell in total[:2]] == ["合计", "1"]
        await desk.press("escape")
        await desk.shown(HomeScreen)


async def test_an_agent_has_no_wallboard_key(wb, tui_world):
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        await desk.press("ctrl+b")
        assert isinstance(desk.app.screen, HomeScreen)
        assert "ctrl+b" not in desk.app.screen.active_bindings  # offered to supervisors only
