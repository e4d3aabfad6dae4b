"""Registering and advancing a complaint in the TUI, and the supervisor dashboard's figures."""

from datetime import timedelta

from textual.widgets import Button, DataTable, Select, Static, TextArea

from tests.tui.harness import running
from workbench.complaints.escalation import sweep
from workbench.complaints.service import ComplaintIntake
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.complaint_form import ComplaintFormScreen
from workbench.tui.screens.dashboard import DashboardScreen
from workbench.tui.screens.step_form import StepFormScreen


def _buttons(screen) -> list[str]:
    return [b.name for b in screen.query("#complaint-actions Button").results(Button)]


async def test_register_with_validation_then_advance(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        app.push_screen(ComplaintFormScreen(tui_world.member_no))
        form = await desk.shown(ComplaintFormScreen)
        # No category and no description: the service's message appears in place.
        desk.mark()
        form.action_submit()
        await desk.done("submit")
        error = str(form.query_one("#complaint-error", Static).render())
        assert error.startswith("类别：")  # category: required, in Chinese
        assert form.query_one("#complaint-category").has_class("invalid")
        form.query_one("#complaint-category", Select).value = "billing"
        desk.mark()
        form.action_submit()
        await desk.done("submit")
        assert str(form.query_one("#complaint-error", Static).render()).startswith("投诉内容：")
        form.query_one("#complaint-description", TextArea).text = "会员卡被重复扣费两次"
        desk.mark()
        form.action_submit()
        screen = await desk.shown(ComplaintScreen)  # the form, saved, gives way to the complaint
        assert isinstance(screen, ComplaintScreen)
        await desk.done("load")
        # An agent is not offered the supervisor's close.
        assert _buttons(screen) == ["assign", "reply", "wait"]

        # Assign through the step form: only the allowed steps are offered afterwards.
        screen.query("#complaint-actions Button").first().press()
        await desk.shown(StepFormScreen)
        assert isinstance(app.screen, StepFormScreen)
        app.screen.query_one("#step-department", Select).value = "finance"
        await desk.click("#step-submit")
        await desk.done("take")
        await desk.done("load")
        assert screen.card.state == "assigned"
        assert _buttons(screen)[:2] == ["assign", "investigate"]
        timeline = screen.query_one("#complaint-timeline", DataTable)
        assert timeline.row_count == 2
        clock_text = str(screen.query_one("#complaint-clock", Static).render())
        assert "剩余" in clock_text


async def test_dashboard_figures_equal_the_analysis(wb, tui_world, clock):
    world = tui_world
    with wb.sessions() as session:
        for i in range(3):
            c = wb.complaints.open(
                session,
                intake=ComplaintIntake(
                    channel="hotline",
                    category="billing",
                    priority="urgent",
                    description=f"问题 {i}",
                    member_no=world.member_no,
                ),
                actor=world.staff["agent"],
            )
            wb.complaints.assign(
                session,
                complaint_no=c.complaint_no,
                department="finance",
                actor=world.staff["supervisor"],
            )
        session.commit()
    clock.advance(days=3)
    sweep(wb.sessions, wb.complaints)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("supervisor")
        await desk.press("f6")
        screen = await desk.shown(DashboardScreen)
        await desk.done("load")
        assert isinstance(screen, DashboardScreen)
        expected = wb.complaint_reports.report(
            world.staff["supervisor"], start=clock.now() - timedelta(days=90), end=clock.now()
        )
        assert screen.report.to_dict() == expected.to_dict()
        breached = screen.query_one("#breached", DataTable)
        assert breached.row_count == 3
        by_state = screen.query_one("#by-state", DataTable)
        assert [str(c) for c in by_state.get_row_at(0)] == ["已分派", "3"]  # assigned
        breached.focus()
        await desk.press("enter")
        await desk.shown(ComplaintScreen)
        await desk.done("load")
        assert isinstance(app.screen, ComplaintScreen)


async def test_the_complaint_screen_shows_its_calls_messages_and_callbacks(wb, tui_world):
    world = tui_world
    with wb.sessions() as session:
        c = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="billing",
                description="[b]扣费[/b] 两次",
                member_no=world.member_no,
            ),
            actor=world.staff["agent"],
        )
        number = c.complaint_no
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="finance",
            handler=world.staff["agent"],
            actor=world.staff["supervisor"],
        )
        wb.complaints.link(session, complaint=c, kind="call", ref="CA[red]x[/red]")
        session.commit()
    async with running(WorkbenchApp(wb), size=(120, 50)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        desk.mark()
        app.push_screen(ComplaintScreen(number))
        await desk.done("load")
        screen = app.screen
        links = screen.query_one("#complaint-links", DataTable)
        assert links.row_count == 1
        # A reference is data: shown as it is, never read as markup.
        assert [str(cell) for cell in links.get_row_at(0)][1:3] == ["通话", "CA[red]x[/red]"]
        assert "关联" in str(screen.query_one("#complaint-links-title", Static).render())
        await desk.press("ctrl+l")
        await desk.pilot.pause()
        assert str(links.get_row_at(0)[1]) == "Call"
        assert [str(c.label) for c in links.columns.values()] == [
            "Time",
            "Kind",
            "Reference",
            "What",
        ]
