"""Claiming a callback in the TUI: the member's data, the script, an outcome key; and the data
leaving the screen the moment the grant ends (fixed clock)."""

from datetime import timedelta

from textual.widgets import DataTable, Input, Select, Static

from tests.tui.callback_flow import claim_callback, schedule_callback
from tests.tui.harness import running
from tests.tui.test_agent_flow import _cell_texts
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.callback import CallbackScreen, OutcomeScreen
from workbench.tui.screens.home import HomeScreen


async def test_claim_call_and_record(wb, tui_world):
    schedule_callback(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        due = str(app.screen.query_one("#callbacks-due", Static).render())
        assert "1 个到期" in due
        screen = await claim_callback(desk)
        assert isinstance(screen, CallbackScreen)
        assert _cell_texts(screen.query_one("#profile-fields", DataTable))["name"] == "张*"
        script = str(screen.query_one("#callback-script", Static).render())
        assert "满意度" in script
        assert screen.focused is screen.query_one("#callback-feedback", Input)
        screen.query_one("#callback-feedback", Input).value = "服务很好"
        await desk.press("ctrl+s")  # the outcome is chosen in a dialog, not by a bare digit
        dialog = await desk.shown(OutcomeScreen)
        dialog.query_one("#outcome-choice", Select).value = "reached"
        await desk.click("#modal-submit")
        # Recorded, the workspace closes (and its worker's `WorkDone` may go with it).
        await desk.notified("已记录回访结果：已接通")
        await desk.shown(HomeScreen)
        assert isinstance(app.screen, HomeScreen)
    assert wb.callbacks.my_tasks(tui_world.staff["agent"]) == []  # done, no longer claimed


async def test_data_leaves_the_screen_when_the_grant_ends(wb, tui_world, clock):
    schedule_callback(wb, tui_world)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        pilot = desk.pilot
        await desk.sign_in("agent")
        screen = await claim_callback(desk)
        assert screen.view is not None
        grant_end = screen.claim.grant_until
        clock.set(grant_end - timedelta(microseconds=1))
        screen._tick()
        await pilot.pause()
        assert screen.view is not None
        clock.set(grant_end)
        screen._tick()
        await pilot.pause()
        assert screen.view is None
        assert screen.query_one("#profile-fields", DataTable).row_count == 0
        assert "授权已结束" in str(screen.query_one("#profile-header", Static).render())


async def test_dial_from_the_workspace_and_an_unanswered_member_is_recorded(
    wb, tui_world, telephony, twilio_peer
):
    from workbench.callbacks.models import CallbackTask

    schedule_callback(wb, tui_world)
    app = WorkbenchApp(wb)
    app._telephony = telephony  # its Calls API points at the Twilio peer
    async with running(app, size=(120, 40)) as desk:
        await desk.sign_in("agent")
        screen = await claim_callback(desk)
        await desk.press("f5")
        await desk.done("dial")
        [placed] = twilio_peer.calls
        assert placed["To"] == "client:agent" and screen.call_id is not None
        # Twilio reports the member's leg: no answer. The outcome is recorded for the agent.
        desk.mark()
        telephony.hotline.member_leg_done(
            call_id=screen.call_id, dial_status="no-answer", dial_sid="CA" + "3" * 32, seconds="0"
        )
        await desk.notified("会员未接听（no-answer）")
        await desk.shown(HomeScreen)
        assert isinstance(app.screen, HomeScreen)
    with wb.sessions() as session:
        task = session.get(CallbackTask, screen.claim.task_id)
    assert (task.outcome, task.status) == ("no_answer", "queued")
