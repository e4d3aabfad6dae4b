"""The application form and the review queue under a Pilot: the form keeps its input on a
validation error and shows it under the form; customer service approves from the queue (the
confirmation focuses Cancel) and returns an application with a reason; the submitter is told."""

from textual.widgets import Button, DataTable, Input, Static

from tests.factories import fake_id_number, fake_phone
from tests.tui.harness import running
from workbench.members.models import MemberStatus
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.application_form import (
    ApplicationFormScreen,
    ReturnedApplicationsScreen,
)
from workbench.tui.screens.member_desk import CounterMenuScreen
from workbench.tui.screens.review_queue import RejectScreen, ReviewQueueScreen
from workbench.usecases.applications import ApplicationInput


async def test_form_keeps_its_input_on_a_validation_error(wb, tui_world):
    id_number = fake_id_number(birthday="19880612", male=False)
    async with running(WorkbenchApp(wb), size=(110, 40)) as desk:
        await desk.sign_in("sales_own")
        await desk.press("f3")
        menu = await desk.shown(CounterMenuScreen)
        assert menu is not None
        desk.mark()
        desk.app.push_screen(ApplicationFormScreen())
        form = await desk.shown(ApplicationFormScreen)
        await desk.done("load")
        assert desk.app.focused is form.query_one("#app-name", Input)

        await desk.fill("#app-name", "陈静")
        await desk.fill("#app-phone", "123")
        await desk.fill("#app-id_number", id_number)
        await desk.press("ctrl+s")
        await desk.done("submit")
        assert desk.app.screen is form  # still open, nothing lost
        assert form.query_one("#app-name", Input).value == "陈静"
        assert form.query_one("#app-id_number", Input).value == id_number
        phone = form.query_one("#app-phone", Input)
        assert phone.value == "123" and phone.has_class("invalid") and desk.app.focused is phone
        assert str(form.query_one("#application-error", Static).render())

        await desk.fill("#app-phone", fake_phone())
        await desk.press("ctrl+s")
        await desk.done("submit")
        await desk.notified("已提交")
        await desk.shown_other_than(ApplicationFormScreen)
    [line] = wb.usecases.applications.queue(tui_world.staff["agent"]).lines
    assert line.masked_name == "陈*" and line.submitted_by.startswith("sales_own")


async def test_approve_and_return_from_the_queue(wb, tui_world):
    desk_uc = wb.usecases.applications
    sales = tui_world.staff["sales_own"]
    first = desk_uc.submit(
        sales, ApplicationInput(name="陈静", phone=fake_phone(), id_number=fake_id_number())
    )
    second = desk_uc.submit(
        sales, ApplicationInput(name="刘洋", phone=fake_phone(), id_number=fake_id_number())
    )
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("agent")
        desk.mark()
        desk.app.push_screen(ReviewQueueScreen())
        queue = await desk.shown(ReviewQueueScreen)
        await desk.done("load")
        table = queue.query_one("#queue", DataTable)
        assert table.row_count == 2
        assert "刘*" in str(table.get_row(second.member_no))  # masked names only

        # Approve the oldest (the cursor's row): the confirmation focuses Cancel.
        await desk.press("ctrl+y")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.click("#modal-submit")
        await desk.done("approve")
        await desk.notified("已通过")
        await desk.done("load")
        assert table.row_count == 1

        # Return the other with a reason; an empty reason keeps the dialog open.
        await desk.press("ctrl+r")
        reject = await desk.shown(RejectScreen)
        await desk.press("enter")
        assert desk.app.screen is reject
        assert "退回原因" in str(reject.query_one("#reject-error", Static).render())
        await desk.fill("#reject-reason", "证件照片不清晰")
        await desk.press("enter")
        # The dialog closes from its worker, so the worker's WorkDone may go with it.
        await desk.notified("已退回")
        await desk.done("load")
        assert table.row_count == 0
    with wb.sessions() as session:
        assert wb.registry.get(session, first.member_no).status == MemberStatus.ACTIVE
        assert wb.registry.get(session, second.member_no).status == MemberStatus.REJECTED


async def test_submitter_is_told_and_resubmits(wb, tui_world):
    desk_uc = wb.usecases.applications
    sales = tui_world.staff["sales_own"]
    submitted = desk_uc.submit(
        sales, ApplicationInput(name="陈静", phone=fake_phone(), id_number=fake_id_number())
    )
    desk_uc.reject(tui_world.staff["agent"], submitted.member_no, "地址缺少门牌号")
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("sales_own")
        assert any("被退回" in n for n in desk.notifications())
        desk.mark()
        desk.app.push_screen(ReturnedApplicationsScreen())
        returned = await desk.shown(ReturnedApplicationsScreen)
        await desk.done("load")
        table = returned.query_one("#returned", DataTable)
        assert table.row_count == 1
        assert "地址缺少门牌号" in str(table.get_row(submitted.member_no))
        await desk.press("enter")
        form = await desk.shown(ApplicationFormScreen)
        await desk.done("load")
        assert "陈*" in form.query_one("#app-name", Input).placeholder
        await desk.fill("#app-address", "上海市徐汇区漕溪北路1号2室")
        await desk.press("ctrl+s")
        await desk.done("resubmit")
        await desk.notified("重新提交")
        await desk.shown(ReturnedApplicationsScreen)
        await desk.done("load")
        assert table.row_count == 0
    assert [line.member_no for line in desk_uc.queue(tui_world.staff["agent"]).lines] == [
        submitted.member_no
    ]
