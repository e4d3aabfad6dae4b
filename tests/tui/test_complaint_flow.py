"""Registering and advancing a complaint in the TUI, and the supervisor dashboard's figures."""

from datetime import timedelta

from textual.widgets import Button, DataTable, Select, Static, TextArea

from tests.tui.test_agent_flow import _settle, _sign_in
from workbench.tickets.escalation import sweep
from workbench.tickets.service import ComplaintIntake
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.complaint_form import ComplaintFormScreen
from workbench.tui.screens.dashboard import DashboardScreen
from workbench.tui.screens.step_form import StepFormScreen


def _buttons(screen) -> list[str]:
    return [b.name for b in screen.query("#complaint-actions Button").results(Button)]


async def test_register_with_validation_then_advance(wb, tui_world):
    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "agent")
        app.push_screen(ComplaintFormScreen(tui_world.member_no))
        await _settle(pilot)
        form = app.screen
        # No category and no description: the service's message appears in place.
        form.action_submit()
        await _settle(pilot)
        error = str(form.query_one("#complaint-error", Static).render())
        assert error.startswith("category:")
        assert form.query_one("#complaint-category").has_class("invalid")
        form.query_one("#complaint-category", Select).value = "billing"
        form.action_submit()
        await _settle(pilot)
        assert str(form.query_one("#complaint-error", Static).render()).startswith("description")
        form.query_one("#complaint-description", TextArea).text = "会员卡被重复扣费两次"
        form.action_submit()
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComplaintScreen)
        await _settle(pilot)
        assert _buttons(screen) == ["assign", "supervisor_close", "reply", "wait"]

        # Assign through the step form: only the allowed steps are offered afterwards.
        screen.query("#complaint-actions Button").first().press()
        await _settle(pilot)
        assert isinstance(app.screen, StepFormScreen)
        app.screen.query_one("#step-department", Select).value = "finance"
        await pilot.click("#step-submit")
        await _settle(pilot)
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
            c = wb.complaints.open(session, intake=ComplaintIntake(
                channel="hotline", category="billing", priority="urgent",
                description=f"问题 {i}", member_no=world.member_no), actor=world.staff["agent"])  # fmt: skip
            wb.complaints.assign(session, complaint_no=c.complaint_no, department="finance",
                                 actor=world.staff["supervisor"])  # fmt: skip
        session.commit()
    clock.advance(days=3)
    sweep(wb.sessions, wb.complaints)
    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "supervisor")
        await pilot.press("f6")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        expected = wb.complaint_reports.report(world.staff["supervisor"],
                                               start=clock.now() - timedelta(days=90),
                                               end=clock.now())  # fmt: skip
        assert screen.report.to_dict() == expected.to_dict()
        breached = screen.query_one("#breached", DataTable)
        assert breached.row_count == 3
        by_state = screen.query_one("#by-state", DataTable)
        assert [str(c) for c in by_state.get_row_at(0)] == ["assigned", "3"]
        breached.focus()
        await pilot.press("enter")
        await _settle(pilot)
        assert isinstance(app.screen, ComplaintScreen)
