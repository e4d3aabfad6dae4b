"""Forms never lose input (issue 17): a refused step keeps its form open with what was typed,
each role is offered only its steps, a step with nothing to fill in is confirmed (Cancel has
the cursor), a callback can be set for a date and a time of day, and the callback workspace
keeps a bad "call again" time beside its field."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from textual.widgets import Button, Input, Select, Static

from tests.tui.callback_flow import claim_callback, schedule_callback
from tests.tui.harness import running
from workbench.callbacks.models import CallbackTask
from workbench.complaints.service import ComplaintIntake
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen, ScheduleCallbackScreen
from workbench.tui.screens.callback import CallbackScreen, OutcomeScreen
from workbench.tui.screens.complaint import ComplaintScreen
from workbench.tui.screens.step_form import StepFormScreen


def _complaint(wb, world) -> str:
    return wb.usecases.complaints.open(
        world.staff["agent"],
        ComplaintIntake(
            channel="hotline",
            category="billing",
            description="会员卡被重复扣费两次",
            member_no=world.member_no,
        ),
    )


async def _submit(desk) -> None:
    """The dialog's submit button, pressed (clicks in quick succession chain into one)."""
    desk.mark()
    desk.app.screen.query_one("#modal-submit", Button).press()
    await desk.pilot.pause()


def _buttons(screen) -> list[str]:
    return [b.name for b in screen.query("#complaint-actions Button")]


async def _open(desk, number: str) -> ComplaintScreen:
    desk.mark()
    desk.app.push_screen(ComplaintScreen(number))
    screen = await desk.shown(ComplaintScreen)
    await desk.done("load")
    return screen


async def _press_step(desk, screen, step: str) -> None:
    desk.mark()
    next(b for b in screen.query("#complaint-actions Button") if b.name == step).press()


async def test_a_refused_step_keeps_its_form_and_what_was_typed(wb, tui_world):
    number = _complaint(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        screen = await _open(desk, number)
        assert _buttons(screen) == ["assign", "reply", "wait"]  # no supervisor's close
        # A wait on the member with no note: refused beside the field, the form stays open.
        await _press_step(desk, screen, "wait")
        form = await desk.shown(StepFormScreen)
        note = form.query_one("#step-note", Input)
        assert form.focused is note
        await desk.press("enter")
        await desk.done("take")
        assert app.screen is form
        assert str(form.query_one("#step-error", Static).render()).startswith("备注：")
        assert note.has_class("invalid")
        await desk.press(*"member to send the invoice", "enter")
        await desk.done("take")
        await desk.shown(ComplaintScreen)
        await desk.done("load")
        assert screen.card.paused and _buttons(screen)[-1] == "resume"
        # An assignment to someone who does not exist: refused, and what was typed stays.
        await _press_step(desk, screen, "assign")
        form = await desk.shown(StepFormScreen)
        form.query_one("#step-department", Select).value = "finance"
        form.query_one("#step-handler", Input).value = "nobody"
        form.query_one("#step-note", Input).value = "转财务核查"
        desk.mark()  # pressed, not clicked: the refusal's notice may cover the button
        form.query_one("#step-submit", Button).press()
        await desk.done("take")
        await desk.notified("nobody")
        assert app.screen is form
        assert form.query_one("#step-handler", Input).value == "nobody"
        assert form.query_one("#step-note", Input).value == "转财务核查"
        assert form.query_one("#step-department", Select).value == "finance"
        form.query_one("#step-handler", Input).value = ""
        desk.mark()  # pressed, not clicked: the refusal's notice may cover the button
        form.query_one("#step-submit", Button).press()
        await desk.done("take")
        await desk.shown(ComplaintScreen)
        await desk.done("load")
        assert screen.card.state == "assigned"
        # A step with nothing to fill in asks first, with the cursor on Cancel.
        await _press_step(desk, screen, "investigate")
        confirm = await desk.shown(ConfirmScreen)
        assert confirm.focused is confirm.query_one("#modal-cancel", Button)
        await desk.press("enter")
        await desk.shown(ComplaintScreen)
        assert screen.card.state == "assigned"


async def test_a_supervisor_is_offered_the_supervisors_steps(wb, tui_world):
    number = _complaint(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("supervisor")
        screen = await _open(desk, number)
        assert _buttons(screen) == ["assign", "supervisor_close", "reply", "wait"]


async def test_a_callback_at_a_date_and_time_and_a_bad_time_kept(wb, tui_world):
    schedule_callback(wb, tui_world)
    zone = wb.settings.timezone
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        workspace = await claim_callback(desk)
        # F4: a callback for the member, at a date and a time of day.
        await desk.press("f4")
        dialog = await desk.shown(ScheduleCallbackScreen)
        dialog.query_one("#schedule-reason", Select).value = "member_request"
        at = dialog.query_one("#schedule-at", Input)
        at.value = "2026-03-01 10:30"  # in the past: refused, kept
        await _submit(desk)
        assert app.screen is dialog and at.value == "2026-03-01 10:30"
        assert str(dialog.query_one("#schedule-error", Static).render())
        at.value = "2026-03-05 10:30"
        await _submit(desk)
        await desk.done("act")
        with wb.sessions() as session:
            task = session.scalar(
                select(CallbackTask).where(CallbackTask.reason == "member_request")
            )
        wanted = datetime(2026, 3, 5, 10, 30, tzinfo=zone)
        stored = task.earliest_at  # SQLite gives the UTC time without its zone
        assert (stored if stored.tzinfo else stored.replace(tzinfo=UTC)) == wanted
        # Call back later with a time that is no time: beside the field, the typing kept.
        later = workspace.query_one("#callback-later", Input)
        later.value = "soon"
        await desk.press("ctrl+s")
        outcome = await desk.shown(OutcomeScreen)
        outcome.query_one("#outcome-choice", Select).value = "call_back_later"
        await _submit(desk)
        await desk.shown(CallbackScreen)
        await desk.pilot.pause()
        assert later.value == "soon" and later.has_class("invalid")
        assert "HH:MM" in str(workspace.query_one("#callback-error", Static).render())
        # No outcome chosen: the dialog says so and stays.
        await desk.press("ctrl+s")
        outcome = await desk.shown(OutcomeScreen)
        await _submit(desk)
        assert app.screen is outcome
        assert str(outcome.query_one("#outcome-error", Static).render())
