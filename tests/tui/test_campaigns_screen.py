"""The campaigns screen (F2 on the dashboard): a supervisor creates a campaign in the form,
pauses, resumes and runs it, each asked first with Cancel focused; a refusal stays beside its
field with what was typed; a store manager reads the list without the keys that change it; an
agent reaches no dashboard and is refused the list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from textual.widgets import Button, DataTable, Input, Label, Static

from tests.tui.harness import running
from workbench.callbacks.models import CallbackTask
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.campaigns import CampaignFormScreen, CampaignsScreen
from workbench.tui.screens.dashboard import DashboardScreen


def _tasks(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(CallbackTask))


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _open_campaigns(desk) -> CampaignsScreen:
    await desk.press("f6")
    await desk.shown(DashboardScreen)
    await desk.done("load")
    app = desk.app  # the key is in the footer, so the command palette finds it by name
    assert "回访活动" in [c.title for c in app.get_system_commands(app.screen)]
    await desk.press("f2")
    screen = await desk.shown(CampaignsScreen)
    await desk.done("load")
    assert isinstance(screen, CampaignsScreen)
    return screen


async def _confirm(desk) -> None:
    dialog = await desk.shown(ConfirmScreen)
    assert dialog.focused is dialog.query_one("#modal-cancel", Button)  # Enter alone cancels
    await desk.click("#modal-submit")


async def _fill_form(desk, wb, **values: str) -> CampaignFormScreen:
    form = await desk.shown(CampaignFormScreen)
    assert isinstance(form, CampaignFormScreen)
    today = wb.clock.now().astimezone(wb.settings.timezone).date()
    typed = {
        "name": "春季回访",
        "to": str(today + timedelta(days=6)),
        "capacity": "5",
        "segment-store": "SH01",
        **values,
    }
    for name, value in typed.items():
        await desk.fill(f"#campaign-{name}", value)
    return form


async def test_a_supervisor_creates_pauses_resumes_and_runs_a_campaign(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("supervisor")
        screen = await _open_campaigns(desk)
        assert "还没有回访活动" in _text(screen, "#campaigns-count")
        await desk.press("ctrl+n")
        await _fill_form(desk, wb)
        await desk.press("ctrl+s")
        await desk.done("save")
        await desk.shown(CampaignsScreen)
        assert "已创建回访活动" in await desk.notified("已创建回访活动")
        await desk.done("load")
        table = screen.query_one("#campaign-list", DataTable)
        assert table.row_count == 1
        assert [str(c) for c in table.get_row_at(0)][:2] == ["春季回访", "进行中"]
        assert "门店代码 SH01" in _text(screen, "#campaign-detail")
        campaign = wb.usecases.callbacks.campaign_list(tui_world.staff["supervisor"])[0]
        assert campaign.segment == '{"store": "SH01"}' and campaign.daily_capacity == 5

        # Pause: asked first; Cancel (Enter) changes nothing.
        await desk.press("ctrl+x")
        await desk.shown(ConfirmScreen)
        await desk.press("enter")
        await desk.shown(CampaignsScreen)
        assert wb.usecases.callbacks.campaign_list(tui_world.staff["supervisor"])[0].status == (
            "active"
        )
        await desk.press("ctrl+x")
        await _confirm(desk)
        await desk.done("set_status")
        await desk.notified("已暂停")
        await desk.done("load")
        assert str(table.get_row_at(0)[1]) == "已暂停"
        # A paused campaign is not run.
        await desk.press("ctrl+r")
        await desk.notified("不能执行此操作")
        assert _tasks(wb) == 0

        # Resume, by its button.
        await desk.click("#campaign-resume")
        await _confirm(desk)
        await desk.done("set_status")
        await desk.notified("已恢复")
        await desk.done("load")
        assert str(table.get_row_at(0)[1]) == "进行中"

        # Run: today's tasks made in a worker, the progress shown, the list reloaded.
        await desk.press("ctrl+r")
        await _confirm(desk)
        await desk.done("run_one")
        assert "已生成 1 个回访任务" in await desk.notified("已生成")
        await desk.done("load")
        assert _tasks(wb) == 1
        assert "已生成 1 个回访任务" in _text(screen, "#campaign-running")
        assert [str(c) for c in table.get_row_at(0)][4:] == ["1", "1", "0", "-", "1/5"]
        # Again: nothing is made twice.
        await desk.press("ctrl+r")
        await _confirm(desk)
        await desk.done("run_one")
        await desk.notified("已生成 0 个回访任务")
        assert _tasks(wb) == 1


async def test_a_refusal_stays_beside_its_field_with_what_was_typed(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(80, 24)) as desk:
        await desk.sign_in("supervisor")
        await _open_campaigns(desk)
        await desk.press("ctrl+n")
        form = await _fill_form(desk, wb, capacity="0")
        await desk.press("ctrl+s")
        await desk.done("save")  # the campaign's own rule, from the use case
        assert _text(form, "#campaign-capacity-error") == "每天至少 1 个"
        capacity = form.query_one("#campaign-capacity", Input)
        assert form.focused is capacity and capacity.has_class("invalid")
        assert form.query_one("#campaign-name", Input).value == "春季回访"
        assert form.query_one("#campaign-segment-store", Input).value == "SH01"

        # The form's own checks, as the command line's: a day, a whole number.
        await desk.fill("#campaign-capacity", "5")
        await desk.fill("#campaign-to", "next week")
        await desk.press("ctrl+s")
        assert _text(form, "#campaign-to-error") == "请按 YYYY-MM-DD 填写日期"
        assert _text(form, "#campaign-capacity-error") == ""  # the earlier refusal cleared
        assert form.focused is form.query_one("#campaign-to", Input)

        # The segment's: no member condition, then a store that is not there.
        await desk.fill("#campaign-to", str(wb.clock.now().date() + timedelta(days=3)))
        await desk.fill("#campaign-segment-store", "")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert _text(form, "#campaign-segment-error") == "请至少填写一项会员条件"
        await desk.fill("#campaign-segment-store", "XX99")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert _text(form, "#campaign-segment-store-error") == "没有这个门店"
        assert form.focused is form.query_one("#campaign-segment-store", Input)
        await desk.fill("#campaign-segment-birthday_month", "13")
        await desk.fill("#campaign-segment-store", "SH01")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert _text(form, "#campaign-segment-birthday_month-error") == "月份为 1 到 12"
        assert desk.app.screen is form  # still open, nothing made
        assert wb.usecases.callbacks.campaign_list(tui_world.staff["supervisor"]) == []

        # In English (Ctrl+L relabels the form at once), the same refusal in English.
        await desk.press("ctrl+l")
        assert str(form.query_one("#campaign-name-label", Label).render()) == "Name"
        assert form.query_one("#campaign-name", Input).value == "春季回访"
        await desk.press("ctrl+s")
        await desk.done("save")
        assert _text(form, "#campaign-segment-birthday_month-error") == "A month from 1 to 12"


async def test_a_store_manager_reads_the_list_without_the_keys_that_change_it(wb, tui_world):
    supervisor = tui_world.staff["supervisor"]
    today = wb.clock.now().astimezone(wb.settings.timezone).date()
    wb.usecases.callbacks.create_campaign(
        supervisor,
        name="春季回访",
        segment={"store": "SH01"},
        starts_on=today,
        ends_on=today + timedelta(days=6),
        daily_capacity=5,
    )
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("manager_own")
        screen = await _open_campaigns(desk)
        assert screen.query_one("#campaign-list", DataTable).row_count == 1
        assert "只读" in _text(screen, "#campaigns-count")
        assert not screen.query(Button)
        shown = {b.binding.action for b in screen.active_bindings.values()}
        assert not shown & {"new_campaign", "pause_campaign", "resume_campaign", "run_campaign"}
        await desk.press("ctrl+r", "ctrl+x", "ctrl+n")
        await desk.pilot.pause()
        assert app.screen is screen and _tasks(wb) == 0
        assert wb.usecases.callbacks.campaign_list(supervisor)[0].status == "active"


async def test_an_agent_does_not_reach_the_screen_and_is_refused_the_list(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        home = app.screen
        assert "dashboard" not in {b.binding.action for b in home.active_bindings.values()}
        await desk.press("f6")
        await desk.pilot.pause()
        assert app.screen is home
        desk.mark()
        app.push_screen(CampaignsScreen())  # were it opened some other way
        screen = await desk.shown(CampaignsScreen)
        await desk.done("load")
        assert "您的角色不能执行此操作" in await desk.notified("您的角色不能执行此操作")
        assert screen.query_one("#campaign-list", DataTable).row_count == 0
        assert not screen.query(Button)


async def test_typing_on_the_screen_and_into_the_form_changes_nothing(wb, tui_world, monkeypatch):
    """The safe-keys rule (tests/tui/test_safe_keys.py) on these screens: every letter and
    digit, pressed on the list or typed into the form's fields, reaches no use case that
    changes a campaign."""
    from tests.tui.test_safe_keys import TYPED, _type_everything

    supervisor = tui_world.staff["supervisor"]
    today = wb.clock.now().astimezone(wb.settings.timezone).date()
    wb.usecases.callbacks.create_campaign(
        supervisor,
        name="春季回访",
        segment={"store": "SH01"},
        starts_on=today,
        ends_on=today + timedelta(days=6),
        daily_capacity=5,
    )
    called: list[str] = []
    desk_ = wb.usecases.callbacks
    for name in ("create_campaign", "set_campaign_status", "materialise"):
        monkeypatch.setattr(desk_, name, lambda *a, name=name, **k: called.append(name))
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("supervisor")
        screen = await _open_campaigns(desk)
        await desk.press(*TYPED)
        await desk.pilot.pause()
        assert desk.app.screen is screen
        await desk.press("ctrl+n")
        form = await desk.shown(CampaignFormScreen)
        for name in ("name", "capacity", "segment-birthday_month"):  # text, number, segment
            await _type_everything(desk, form.query_one(f"#campaign-{name}", Input))
        assert called == []
        assert wb.usecases.callbacks.campaign_list(supervisor)[0].status == "active"
