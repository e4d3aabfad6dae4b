"""The supervisors' list of all open complaints: every one, most urgent first, the cursor kept
across reloads that change nothing; an agent may not open it."""

from textual.widgets import DataTable

from tests.tui.harness import running
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
    async with running(WorkbenchApp(wb)) as desk:
        app = desk.app
        await desk.sign_in("supervisor")
        await desk.press("f7")
        screen = await desk.shown(ComplaintListScreen)
        await desk.done("load")
        assert isinstance(screen, ComplaintListScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 30
        assert {str(key.value) for key in table.rows} == set(numbers)
        dues = [c.resolution_due for c in screen.query_one("#all-complaints").complaints]
        assert dues == sorted(dues)
        await desk.press("down", "down")
        desk.mark()
        screen.action_reload()
        await desk.done("load")
        assert table.cursor_row == 2  # the same list: the cursor stays
        await desk.press("enter")
        await desk.shown(ComplaintScreen)
        await desk.done("load")
        assert isinstance(app.screen, ComplaintScreen)


async def test_an_agent_may_not_list_every_complaint(wb, tui_world):
    _complaints(wb, tui_world, 2)
    async with running(WorkbenchApp(wb)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await desk.press("f7")
        await desk.shown(ComplaintListScreen)
        await desk.done("load")
        assert app.screen.query_one(DataTable).row_count == 0
        await desk.press("escape")
        await desk.shown(HomeScreen)
        assert isinstance(app.screen, HomeScreen)
