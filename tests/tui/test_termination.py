"""Termination from the profile's member menu (Ctrl+A) and the counter menu (F3), with a Pilot:
an agent records the member's request; a supervisor gives notice (sent with the date), is asked
before ending it now (Cancel focused), and ends it; a refused step keeps the form open with the
reason; the pending list shows people, not ids."""

from datetime import timedelta

from rich.text import Text
from textual.widgets import DataTable, Input, OptionList, Static

from tests.tui.harness import running
from workbench.members.models import MemberStatus
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.member_desk import CounterMenuScreen, MemberMenuScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.termination import (
    PendingTerminationsScreen,
    TerminationNoticeScreen,
    TerminationRequestScreen,
    TerminationWithdrawScreen,
)


async def _profile(desk, phone: str) -> ProfileScreen:
    await desk.fill("#search-input", phone)
    await desk.press("enter")
    await desk.done("search")
    screen = await desk.shown(ProfileScreen)
    await desk.done("load_service_data")
    return screen


async def _choose(desk, menu_type, label_key: str) -> None:
    """Picks the entry `label_key` in the open menu."""
    menu = await desk.shown(menu_type)
    keys = [entry.label for entry in menu._entries]
    assert label_key in keys, keys
    menu.query_one(OptionList).highlighted = keys.index(label_key)
    await desk.press("enter")


async def _from_member_menu(desk, label_key: str, screen_type):
    await desk.press("ctrl+a")
    await _choose(desk, MemberMenuScreen, label_key)
    screen = await desk.shown(screen_type)
    await desk.done("load")
    return screen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _member_status(wb, member_no):
    with wb.sessions() as session:
        return wb.registry.get(session, member_no).status


async def test_agent_records_a_request_from_the_member_menu(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        await _profile(desk, world.app.phone)
        await desk.press("ctrl+a")
        menu = await desk.shown(MemberMenuScreen)
        offered = [entry.label for entry in menu._entries]
        assert "termination.menu_request" in offered
        assert "termination.menu_notice" not in offered  # only supervisors give notice
        await desk.press("escape")

        screen = await _from_member_menu(desk, "termination.menu_request", TerminationRequestScreen)
        assert desk.app.focused is screen.query_one("#termination-note", Input)
        assert "没有待处理的终止" in _text(screen, "#termination-status")
        await desk.fill("#termination-note", "[bold]搬家[/bold]")
        await desk.press("ctrl+s")
        await desk.done("record")
        told = await desk.notified(world.member_no)
        assert "已登记" in told
        await desk.shown(ProfileScreen)
        case = wb.usecases.termination.status(world.staff["agent"], world.member_no).case
        assert case is not None and case.status == "requested"


async def test_supervisor_gives_notice_then_ends_it_now_after_confirming(wb, tui_world):
    world = tui_world
    wb.usecases.termination.request(world.staff["agent"], world.member_no)
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("supervisor")
        await _profile(desk, world.app.phone)
        screen = await _from_member_menu(desk, "termination.menu_notice", TerminationNoticeScreen)
        assert "已申请" in _text(screen, "#termination-status")
        await desk.press("ctrl+s")  # the notice goes out at once: asked first, Cancel focused
        confirm = await desk.shown(ConfirmScreen)
        assert confirm.focused is not None and confirm.focused.id == "modal-cancel"
        await desk.click("#modal-submit")
        await desk.done("give_notice")
        told = await desk.notified("2026-04-01")
        assert world.member_no in told
        await desk.shown(ProfileScreen)

        screen = await _from_member_menu(desk, "termination.menu_notice", TerminationNoticeScreen)
        assert "已通知" in _text(screen, "#termination-status")
        await desk.press("ctrl+e")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel")
        await desk.press("enter")  # Enter alone cancels
        await desk.shown(TerminationNoticeScreen)
        assert _member_status(wb, world.member_no) == MemberStatus.ACTIVE

        await desk.press("ctrl+e")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("terminate_now")
        await desk.notified("已终止")
        assert _member_status(wb, world.member_no) == MemberStatus.TERMINATED
        profile = await desk.shown(ProfileScreen)
        await desk.done("reload")  # the profile shows the record as it now is
        assert world.app.phone not in str(profile.query_one("#profile-fields").render())


async def test_a_withdrawal_after_the_date_stays_open_with_the_reason(wb, tui_world, clock):
    world = tui_world
    termination = wb.usecases.termination
    termination.request(world.staff["agent"], world.member_no)
    termination.give_notice(world.staff["supervisor"], world.member_no, reason="voluntary")
    clock.advance(timedelta(days=30) - timedelta(minutes=1))
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        await _profile(desk, world.app.phone)
        screen = await _from_member_menu(
            desk, "termination.menu_withdraw", TerminationWithdrawScreen
        )
        clock.advance(minutes=2)  # the date passes while the screen is open
        await desk.press("ctrl+s")
        await desk.done("withdraw")
        assert isinstance(desk.app.screen, TerminationWithdrawScreen)
        assert "no longer be withdrawn" in _text(screen, "#termination-error")


async def test_the_pending_list_shows_people(wb, tui_world):
    world = tui_world
    wb.usecases.termination.request(world.staff["agent"], world.member_no)
    wb.usecases.termination.give_notice(
        world.staff["supervisor"], world.member_no, reason="voluntary"
    )
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("f3")
        await _choose(desk, CounterMenuScreen, "termination.menu_pending")
        screen = await desk.shown(PendingTerminationsScreen)
        await desk.done("load")
        table = screen.query_one("#termination-table", DataTable)
        [row] = [table.get_row(key) for key in table.rows]
        cells = [cell.plain if isinstance(cell, Text) else str(cell) for cell in row]
        assert cells[:2] == [world.member_no, "张*"]
        assert "agent (agent)" in cells and "supervisor (supervisor)" in cells
        assert cells[-1].startswith("2026-04-01")
