"""Points in the TUI with a Pilot: redeem from the member menu (Ctrl+A's entries), a refusal
that keeps the form and says why beside it, a voucher's codes shown once; activity credit; the
ledger; a supervisor's adjustment (the confirmation starting on Cancel); the gift catalogue
from the counter menu (F3), managed by a supervisor and only seen by an agent."""

import re

from textual.widgets import Button, DataTable, Input, OptionList, Select, Static

from tests.tui.harness import running
from workbench.members.models import PointsKind
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.gifts import GiftCatalogueScreen, StockScreen
from workbench.tui.screens.member_desk import CounterMenuScreen, MemberMenuScreen
from workbench.tui.screens.points import (
    AdjustPointsScreen,
    CreditActivityScreen,
    LedgerScreen,
    RedeemScreen,
)
from workbench.usecases.base import UnitOfWork


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _credit(wb, member_id: int, points: int) -> None:
    with UnitOfWork(wb.sessions).write() as session:
        wb.ledger.credit(session, member_id=member_id, kind=PointsKind.ACTIVITY, points=points)


async def _from_member_menu(desk, member_no: str, label: str, screen_type):
    desk.mark()
    desk.app.push_screen(MemberMenuScreen(member_no))
    menu = await desk.shown(MemberMenuScreen)
    index = [e.label for e in menu._entries].index(label)
    menu.query_one(OptionList).highlighted = index
    await desk.press("enter")
    return await desk.shown(screen_type)


async def test_redeem_refused_then_done_with_voucher_codes(wb, tui_world):
    world = tui_world
    wb.usecases.points.import_gifts(world.staff["supervisor"])
    _credit(wb, world.member_id, 1500)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("agent")
        screen = await _from_member_menu(desk, world.member_no, "points.menu_redeem", RedeemScreen)
        await desk.done("load")
        quantity = screen.query_one("#redeem-quantity", Input)
        assert desk.app.focused is quantity
        assert "1500" in _text(screen, "#redeem-title") and "张*" in _text(screen, "#redeem-title")
        assert "张伟" not in _text(screen, "#redeem-title")

        screen.query_one("#redeem-gift", Select).value = "gift-100"
        await desk.fill("#redeem-quantity", "2")  # 2,000 points: more than the balance
        await desk.press("ctrl+s")
        await desk.shown(ConfirmScreen)  # points spent are not given back: asked first
        await desk.click("#modal-submit")
        await desk.done("redeem")
        assert "the balance is 1500" in _text(screen, ".points-error")
        assert quantity.value == "2" and isinstance(desk.app.screen, RedeemScreen)

        await desk.fill("#redeem-quantity", "many")
        await desk.press("ctrl+s")
        assert "数量" in _text(screen, ".points-error") and quantity.has_class("invalid")

        screen.query_one("#redeem-gift", Select).value = "voucher-50"
        await desk.fill("#redeem-quantity", "2")
        await desk.press("ctrl+s")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("redeem")
        await desk.notified(world.member_no)
        await desk.done("load")
        result = _text(screen, ".points-result")
        assert "1000" in result and "500" in result and _text(screen, ".points-error") == ""
        codes = re.findall(r"[A-Z2-9]{4}(?:-[A-Z2-9]{4}){3}", result)
        assert len(set(codes)) == 2
        assert "500" in _text(screen, "#redeem-title")


async def test_credit_ledger_and_adjust(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("supervisor")
        screen = await _from_member_menu(
            desk, world.member_no, "points.menu_credit", CreditActivityScreen
        )
        await desk.done("load")
        screen.query_one("#credit-rule", Select).value = "survey"
        await desk.press("ctrl+s")
        await desk.done("credit")
        assert "+20" in _text(screen, ".points-result")
        await desk.press("escape")

        screen = await _from_member_menu(
            desk, world.member_no, "points.menu_adjust", AdjustPointsScreen
        )
        assert desk.app.focused is screen.query_one("#adjust-points", Input)
        await desk.fill("#adjust-points", "-5")
        await desk.fill("#adjust-reason", "duplicate survey")
        await desk.press("ctrl+s")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.click("#modal-submit")
        await desk.done("adjust")
        assert "+5" not in _text(screen, ".points-result")
        assert "-5" in _text(screen, ".points-result") and "15" in _text(screen, ".points-result")
        await desk.press("escape")

        screen = await _from_member_menu(desk, world.member_no, "points.menu_ledger", LedgerScreen)
        await desk.done("load")
        rows = [
            [str(c) for c in screen.query_one(DataTable).get_row(k)]
            for k in screen.query_one(DataTable).rows
        ]
        assert [(r[2], r[3]) for r in rows] == [("+20", "20"), ("-5", "15")]
        assert "duplicate survey" in rows[1][4] and "supervisor" in rows[1][5]
        assert "15" in _text(screen, "#ledger-lots")


async def test_the_catalogue_from_the_counter_menu(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("f3")
        menu = await desk.shown(CounterMenuScreen)
        menu.query_one(OptionList).highlighted = [e.label for e in menu._entries].index(
            "points.menu_catalogue"
        )
        await desk.press("enter")
        screen = await desk.shown(GiftCatalogueScreen)
        await desk.done("load")
        assert screen.query_one(DataTable).row_count == 0
        await desk.press("f6")
        await desk.done("import_gifts")
        await desk.done("load")
        table = screen.query_one(DataTable)
        assert table.row_count == 5
        table.move_cursor(row=[g.code for g in screen.gifts].index("tea-set"))
        await desk.press("ctrl+k")
        await desk.fill("#stock-change", "-10")
        await desk.press("enter")
        await desk.done("restock")  # the dialog does it, and closes only when it is done
        await desk.done("load")
        assert "30" in _text(screen, "#gifts-status")
        table.move_cursor(row=[g.code for g in screen.gifts].index("tea-set"))
        await desk.press("ctrl+k")  # more than there is: refused in the dialog, input kept
        await desk.fill("#stock-change", "-999")
        await desk.press("enter")
        await desk.done("restock")
        stock = desk.app.screen
        assert isinstance(stock, StockScreen)
        assert stock.query_one("#stock-change", Input).value == "-999"
        assert "only 30 in stock" in _text(stock, "#stock-error")
        await desk.press("escape")
        await desk.shown(GiftCatalogueScreen)
        await desk.press("ctrl+r")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.press("enter")  # Cancel: nothing retired
        await desk.shown(GiftCatalogueScreen)
        assert screen.query_one(DataTable).row_count == 5
        assert screen.check_action("retire", ())

    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("agent")
        desk.mark()
        desk.app.push_screen(GiftCatalogueScreen())
        screen = await desk.shown(GiftCatalogueScreen)
        await desk.done("load")
        assert screen.query_one(DataTable).row_count == 5
        assert not screen.check_action("retire", ()) and not screen.check_action("stock", ())
