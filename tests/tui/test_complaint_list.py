"""The supervisors' list of all open complaints: every one, most urgent first, the cursor kept
across reloads that change nothing; an agent may not open it."""

from textual.widgets import DataTable

from tests.tui.test_agent_flow import _settle, _sign_in
from workbench.complaints.service import ComplaintIntake
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.complaint_list import ComplaintListScreen
from workbench.tui.screens.home import HomeScreen


def _complaints(wb, world, count: int) -> list[str]:
    numbers = []
    with wb.sessions() as session:
        for n in range(count):
            complaint = wb.complaints.open(
                session,
                intake=ComplaintIntake(
                    channel="hotline",
                    category="billing",
                    priority="urgent" if n % 3 else "normal",
                    description=f"第 {n} 件",
                    member_no=world.member_no,
                ),
                actor=world.staff["agent"],
            )
            numbers.append(complaint.complaint_no)
        session.commit()
    return numbers


async def test_every_open_complaint_most_urgent_first(wb, tui_world):
    numbers = _complaints(wb, tui_world, 30)
    app = WorkbenchApp(wb)
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot, "supervisor")
        await pilot.press("f7")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComplaintListScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 30
        assert {str(key.value) for key in table.rows} == set(numbers)
        dues = [c.resolution_due for c in screen.query_one("#all-complaints").complaints]
        assert dues == sorted(dues)
        await pilot.press("down", "down")
        screen.action_reload()
        await _settle(pilot)
        assert table.cursor_row == 2  # the same list: the cursor stays
        await pilot.press("enter")
        await _settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)


async def test_an_agent_may_not_list_every_complaint(wb, tui_world):
    _complaints(wb, tui_world, 2)
    app = WorkbenchApp(wb)
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot, "agent")
        await pilot.press("f7")
        await _settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 0
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen, HomeScreen)
