"""Stored goods and consent in the TUI with a Pilot: record a lot, a refused form that keeps
its input and says why beside it, hand over part, a store's list from the counter menu (F3), and
consent given and withdrawn (the confirmation starting on Cancel)."""

from textual.widgets import Button, DataTable, Input, OptionList, Select, Static

from tests.tui.harness import running
from workbench.members.models import Member
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.consent import ConsentScreen
from workbench.tui.screens.goods import GoodsScreen
from workbench.tui.screens.member_desk import CounterMenuScreen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


async def test_record_refuse_and_hand_over_goods(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("sales_own")
        desk.mark()
        desk.app.push_screen(GoodsScreen(world.member_no))
        screen = await desk.shown(GoodsScreen)
        await desk.done("load")
        assert desk.app.focused is screen.query_one("#goods-item", Input)

        await desk.fill("#goods-item", "燕窝礼盒")
        await desk.fill("#goods-quantity", "3")
        await desk.fill("#goods-until", "2026-02-01")  # before today: refused
        await desk.press("ctrl+s")
        await desk.done("record")
        assert "领取期限" in _text(screen, "#goods-error")  # pick_up_by
        until = screen.query_one("#goods-until", Input)
        assert until.value == "2026-02-01" and until.has_class("invalid")
        assert desk.app.focused is until

        await desk.fill("#goods-until", "2026-04-30")
        await desk.press("ctrl+s")
        await desk.done("record")
        await desk.done("load")
        assert _text(screen, "#goods-error") == ""
        assert screen.query_one("#goods-item", Input).value == ""
        [row] = _rows(screen.query_one("#goods-table", DataTable))
        assert row[1].startswith(world.member_no) and "张*" in row[1] and row[4] == "3/3"
        assert "张伟" not in " ".join(row)

        await desk.fill("#goods-pickup", "5")  # more than is held: refused beside the form
        await desk.press("ctrl+g")
        await desk.done("hand_over")
        assert "only 3 held" in _text(screen, "#goods-error")
        assert screen.query_one("#goods-pickup", Input).value == "5"

        await desk.fill("#goods-pickup", "2")
        await desk.press("ctrl+g")
        await desk.done("hand_over")
        await desk.notified("2")
        await desk.done("load")
        [row] = _rows(screen.query_one("#goods-table", DataTable))
        assert row[4] == "1/3"


async def test_the_store_list_from_the_counter_menu(wb, tui_world):
    world = tui_world
    wb.usecases.goods.record(world.staff["sales_own"], world.member_no, "红酒", 2, "2026-03-10")
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("manager_own")
        await desk.press("f3")
        menu = await desk.shown(CounterMenuScreen)
        index = [e.label for e in menu._entries].index("goods.store_menu")
        menu.query_one(OptionList).highlighted = index
        await desk.press("enter")
        screen = await desk.shown(GoodsScreen)
        await desk.done("load")
        [row] = _rows(screen.query_one("#goods-table", DataTable))
        assert row[2] == "SH01" and row[3] == "红酒" and row[4] == "2/2"
        await desk.fill("#goods-store", "BJ01")  # another store: refused, the input kept
        await desk.press("enter")
        await desk.done("load")
        assert "your store SH01" in _text(screen, "#goods-error")
        assert screen.query_one("#goods-store", Input).value == "BJ01"


async def test_an_agent_only_looks_at_goods(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("agent")
        desk.mark()
        desk.app.push_screen(GoodsScreen(world.member_no))
        screen = await desk.shown(GoodsScreen)
        await desk.done("load")
        assert not screen.query("#goods-item") and not screen.query("#goods-pickup")


async def test_consent_given_and_withdrawn(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(140, 50)) as desk:
        await desk.sign_in("agent")
        desk.mark()
        desk.app.push_screen(ConsentScreen(world.member_no))
        screen = await desk.shown(ConsentScreen)
        await desk.done("load")
        kind = screen.query_one("#consent-kind", Select)
        assert desk.app.focused is kind

        await desk.press("ctrl+s")  # nothing chosen: said beside the form
        assert _text(screen, "#consent-error") != ""

        kind.value = "sms"
        screen.query_one("#consent-how", Select).value = "phone"
        await desk.press("ctrl+w")
        dialog = await desk.shown(ConfirmScreen)
        assert desk.app.focused is dialog.query_one("#modal-cancel", Button)
        await desk.press("enter")  # Enter alone cancels
        await desk.shown(ConsentScreen)
        with wb.sessions() as session:
            assert not session.get_one(Member, world.member_id).sms_opt_out

        await desk.press("ctrl+w")
        dialog = await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("record")
        with wb.sessions() as session:
            assert session.get_one(Member, world.member_id).sms_opt_out
        rows = _rows(screen.query_one("#consent-history", DataTable))
        assert rows[0][1] == "短信营销" and rows[0][2] == "已撤回" and "agent" in rows[0][4]

        screen.query_one("#consent-kind", Select).value = "partner_offers"
        screen.query_one("#consent-how", Select).value = "phone"
        await desk.press("ctrl+s")
        await desk.done("record")
        with wb.sessions() as session:
            assert session.get_one(Member, world.member_id).consent_third_party
