"""An overdue complaint in the list and on its own screen says how overdue it is, in red, not a clock stopped at 00:00;
the text moves with the clock and follows the language."""

from textual.widgets import DataTable, Static

from tests.tui.harness import running
from workbench.clock import as_utc
from workbench.complaints.service import ComplaintIntake
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.complaint_list import ComplaintListScreen


async def test_the_list_says_how_overdue_a_complaint_is(wb, tui_world, clock):
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="billing",
                priority="urgent",
                description="未处理",
                member_no=tui_world.member_no,
            ),
            actor=tui_world.staff["agent"],
        )
        session.commit()
        number, due = complaint.complaint_no, complaint.resolution_due
    clock.set(as_utc(due))
    clock.advance(hours=3, minutes=20, seconds=10)
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("f7")
        screen = await desk.shown(ComplaintListScreen)
        await desk.done("load")
        assert isinstance(screen, ComplaintListScreen)
        table = screen.query_one(DataTable)
        cell = table.get_row(number)[-1]
        assert (str(cell), str(cell.style)) == ("超时 3小时20分", "bold red")
        # and the complaint itself says the same, not a clock reading 3:20:10
        table.move_cursor(row=table.get_row_index(number))
        desk.mark()
        await desk.press("enter")
        complaint_screen = await desk.shown(ComplaintScreen)
        await desk.done("load")
        shown = str(complaint_screen.query_one("#complaint-clock", Static).render())
        assert shown.endswith(": 超时 3小时20分"), shown
        await desk.press("escape")
        await desk.shown(ComplaintListScreen)
        clock.advance(minutes=45)
        desk.app.labels.toggle()
        screen._tick()  # the once-a-second timer's callback, run now
        assert str(table.get_row(number)[-1]) == "overdue 4h 5m"
