"""The Odoo screens from the home screen, with a Pilot (issue 19): administrators and supervisors
list the sync's open issues with their count, a page at a time, and only an administrator
dismisses one (the confirmation focuses Cancel); customer service sees a held identity change
as masked values, the member's beside Odoo's, and rejects or applies it (Cancel focused)."""

import pytest
from textual.widgets import Button, DataTable, Static

from tests.fixtures_odoo import add_partner
from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens import odoo_issues
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.odoo_issues import OdooIssuesScreen
from workbench.tui.screens.odoo_reviews import OdooReviewsScreen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _open_issues(wb, admin) -> int:
    return wb.usecases.odoo.issues(admin).total


@pytest.fixture
def skipped(wb, tui_world, odoo, sync):
    """Three partners the pull skipped (a mobile that is not one): three open issues."""
    for serial in range(1, 4):
        add_partner(odoo, serial, mobile="12345")
    sync.pull(actor=tui_world.staff["admin"])
    return tui_world


@pytest.fixture
def held(wb, tui_world, odoo, sync):
    """Another name on the world member's mobile: held for review."""
    odoo.add(
        "res.partner",
        name="王芳",
        mobile=tui_world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    sync.pull(actor=tui_world.staff["admin"])
    return tui_world


async def test_an_admin_pages_the_issues_and_dismisses_one_after_confirming(
    wb, skipped, monkeypatch
):
    monkeypatch.setattr(odoo_issues, "PAGE_SIZE", 2)
    admin = skipped.staff["admin"]
    async with running(WorkbenchApp(wb), size=(140, 30)) as desk:
        await desk.sign_in("admin")
        await desk.press("ctrl+g")
        screen = await desk.shown(OdooIssuesScreen)
        await desk.done("load")
        assert "3 个未解决问题 · 第 1/2 页" in _text(screen, "#odoo-issues-count")
        table = screen.query_one("#odoo-issues", DataTable)
        assert table.row_count == 2
        await desk.press("ctrl+pagedown")
        await desk.done("load")
        assert table.row_count == 1 and "第 2/2 页" in _text(screen, "#odoo-issues-count")
        await desk.press("ctrl+pageup")
        await desk.done("load")

        await desk.press("ctrl+x")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.press("enter")  # Enter alone cancels
        await desk.shown(OdooIssuesScreen)
        assert _open_issues(wb, admin) == 3

        await desk.press("ctrl+x")
        confirm = await desk.shown(ConfirmScreen)
        confirm.query_one("#modal-submit", Button).focus()
        await desk.press("enter")
        await desk.done("dismiss_one")
        await desk.notified("已忽略")
        await desk.done("load")
        assert _open_issues(wb, admin) == 2
        assert "2 个未解决问题 · 第 1/1 页" in _text(screen, "#odoo-issues-count")


async def test_a_supervisor_lists_but_does_not_dismiss_and_an_agent_sees_no_issues(wb, skipped):
    async with running(WorkbenchApp(wb), size=(140, 30)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("ctrl+g")
        screen = await desk.shown(OdooIssuesScreen)
        await desk.done("load")
        assert screen.query_one("#odoo-issues", DataTable).row_count == 3
        assert screen.check_action("dismiss_issue", ()) is False
        await desk.press("ctrl+x")  # not offered: nothing opens
        assert isinstance(desk.app.screen, OdooIssuesScreen)
        assert _open_issues(wb, skipped.staff["admin"]) == 3

    async with running(WorkbenchApp(wb), size=(140, 30)) as desk:
        await desk.sign_in("agent")
        home = desk.app.screen
        assert isinstance(home, HomeScreen)
        assert home.check_action("odoo_issues", ()) is False
        assert home.check_action("odoo_reviews", ()) is True
        await desk.press("ctrl+g")
        assert isinstance(desk.app.screen, HomeScreen)


async def test_an_agent_sees_the_held_change_masked_and_rejects_it_after_confirming(wb, held):
    desk_cases = wb.usecases.odoo
    agent = held.staff["agent"]
    async with running(WorkbenchApp(wb), size=(140, 30)) as desk:
        await desk.sign_in("agent")
        await desk.press("ctrl+r")
        screen = await desk.shown(OdooReviewsScreen)
        await desk.done("load")
        await desk.done("read_values")
        table = screen.query_one("#odoo-reviews", DataTable)
        assert table.row_count == 1
        values = _text(screen, "#odoo-review-values")
        assert "Odoo 王*" in values and "王芳" not in values  # masked, beside the member's
        assert "姓名：现为 " in values

        await desk.press("ctrl+x")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.press("enter")
        await desk.shown(OdooReviewsScreen)
        assert len(desk_cases.identity_reviews(agent)) == 1

        await desk.press("ctrl+x")
        confirm = await desk.shown(ConfirmScreen)
        confirm.query_one("#modal-submit", Button).focus()
        await desk.press("enter")
        await desk.done("reject")
        await desk.notified(held.member_no)
        await desk.done("load")
        assert desk_cases.identity_reviews(agent) == []
        assert "没有待审核" in _text(screen, "#odoo-review-values")


async def test_a_supervisor_applies_a_held_change_after_confirming(wb, held):
    async with running(WorkbenchApp(wb), size=(140, 30)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("ctrl+r")
        screen = await desk.shown(OdooReviewsScreen)
        await desk.done("load")
        await desk.done("read_values")
        await desk.press("ctrl+y")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        assert "王*" in str(confirm.query_one(Static).render())
        confirm.query_one("#modal-submit", Button).focus()
        await desk.press("enter")
        await desk.done("apply")
        await desk.notified("已按 Odoo 更新")
        await desk.done("load")
        assert wb.usecases.odoo.identity_reviews(held.staff["supervisor"]) == []
        with wb.sessions() as session:
            member = wb.registry.get(session, held.member_no)
            assert wb.registry.decrypt(member)["name"] == "王芳"
        assert screen.query_one("#odoo-reviews", DataTable).row_count == 0
