"""The reveal dialog with a Pilot (issue 15 item 7): a purpose is chosen, the note is checked
before the dialog closes (it stays open, with what was typed, on a refusal), and beyond the
hour's limit the agent is told a supervisor must approve, which the supervisor does from home."""

import pytest
from textual.widgets import DataTable, Input, Select, Static

from tests.tui.harness import running
from workbench.settings import load_settings
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.approvals import ApprovalsScreen
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.reveal import RevealScreen


@pytest.fixture
def settings(db_url, tmp_path):
    return load_settings(
        database_url=db_url,
        keys_file=str(tmp_path / "keys.json"),
        locale_language="en",
        access_reveals_per_hour=1,
    )


def _fields(table: DataTable) -> dict[str, str]:
    return {str(key.value): str(table.get_row(key)[1]) for key in table.rows}


async def _profile(desk, phone: str) -> ProfileScreen:
    await desk.fill("#search-input", phone)
    await desk.press("enter")
    await desk.done("search")
    screen = await desk.shown(ProfileScreen)
    await desk.done("load_service_data")
    return screen


def _error(dialog: RevealScreen) -> str:
    return str(dialog.query_one("#reveal-error", Static).render())


async def test_the_dialog_stays_open_until_the_reason_is_right(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("agent")
        profile = await _profile(desk, world.app.phone)
        await desk.press("ctrl+r")
        dialog = await desk.shown(RevealScreen)
        purposes = dialog.query_one("#reveal-purpose", Select)
        assert purposes.has_focus

        # No purpose chosen: refused, the dialog open, the cursor on the purpose.
        await desk.click("#reveal-submit")
        assert desk.app.screen is dialog
        assert "choose one of the configured purposes" in _error(dialog)
        assert purposes.has_class("invalid") and purposes.has_focus

        # A phone number in the note: refused, what was typed kept, the cursor on the note.
        purposes.value = "回访"
        await desk.fill("#reveal-note", "caller gave 13800138000")
        await desk.press("enter")
        note = dialog.query_one("#reveal-note", Input)
        assert desk.app.screen is dialog
        assert "a phone number" in _error(dialog) and "13800138000" not in _error(dialog)
        assert note.value == "caller gave 13800138000" and note.has_class("invalid")
        assert note.has_focus and not purposes.has_class("invalid")

        # 回访 with a note in words: revealed.
        await desk.fill("#reveal-note", "会员要求核对")
        await desk.press("enter")
        await desk.done("reveal")
        assert desk.app.screen is profile
        assert _fields(profile.query_one("#profile-fields", DataTable))["name"].startswith("张伟")


async def test_beyond_the_limit_a_supervisor_approves_from_home(wb, tui_world):
    world = tui_world
    wb.usecases.protection.set_email(world.staff["admin"], "supervisor", "sup@example.com")
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("agent")
        profile = await _profile(desk, world.app.phone)
        for _ in range(2):
            await desk.press("ctrl+r")
            dialog = await desk.shown(RevealScreen)
            dialog.query_one("#reveal-purpose", Select).value = "identity check"
            await desk.click("#reveal-submit")
            await desk.done("reveal")
            assert desk.app.screen is profile
        refusal = await desk.notified("limit reached")
        assert "a supervisor must approve further reveals" in refusal

    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("supervisor")
        home = desk.app.screen
        assert isinstance(home, HomeScreen)
        waiting = str(home.query_one("#approvals-waiting", Static).render())
        assert "1 access approvals waiting" in waiting
        await desk.press("f8")
        approvals = await desk.shown(ApprovalsScreen)
        await desk.done("load")
        table = approvals.query_one("#approvals", DataTable)
        assert table.row_count == 1 and "agent" in str(table.get_row_at(0))
        await desk.press("ctrl+y")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("approve")
        await desk.notified("Approved: agent may make more reveals")
        await desk.done("load")
        assert table.row_count == 0
    assert wb.usecases.access.waiting(world.staff["supervisor"]) == 0
