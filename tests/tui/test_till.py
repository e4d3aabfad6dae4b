"""The till with a Pilot: F3 → Till as a store's sales person; a refused purchase keeps the form
and says why under it; a purchase by card, then its partial return on the Return tab, each with
its result line; a return larger than what is left is refused with the input kept."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.member_desk import CounterMenuScreen, counter_entries
from workbench.tui.screens.till import TillScreen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _open_till(desk) -> TillScreen:
    await desk.press("f3")
    menu = await desk.shown(CounterMenuScreen)
    labels = [entry.label for entry in counter_entries(desk.app.staff.role)]
    menu.query_one(OptionList).highlighted = labels.index("till.menu")
    await desk.press("enter")
    screen = await desk.shown(TillScreen)
    await desk.done("load_stores")
    return screen


async def test_purchase_and_return_at_the_till(wb, tui_world):
    with wb.sessions() as session:
        card_no = wb.registry.current_card(session, tui_world.member_id).card_no
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("sales_own")
        # The supervisor's dashboard is not offered to a sales person (it would refuse them).
        assert desk.app.screen.check_action("dashboard", ()) is False
        screen = await _open_till(desk)
        assert desk.app.focused is screen.query_one("#till-member", Input)
        assert "SH01" in _text(screen, "#till-title")
        assert not screen.query_one("#till-store").display  # their own store: nothing to choose

        # A bad amount: refused under the form, what was typed kept, the cursor on the amount.
        await desk.fill("#till-member", card_no)
        await desk.fill("#till-amount", "12x")
        await desk.fill("#till-receipt", "R-1")
        await desk.press("ctrl+s")
        await desk.done("record_purchase")
        assert "amount" in _text(screen, "#till-error")
        assert screen.query_one("#till-member", Input).value == card_no
        assert desk.app.focused is screen.query_one("#till-amount", Input)

        # An unknown card: the same, on the card's input.
        await desk.fill("#till-member", "0000")
        await desk.fill("#till-amount", "128.50")
        await desk.press("ctrl+s")
        await desk.done("record_purchase")
        assert "'0000'" in _text(screen, "#till-error")
        assert desk.app.focused is screen.query_one("#till-member", Input)

        await desk.fill("#till-member", card_no)
        await desk.press("ctrl+s")
        await desk.done("record_purchase")
        result = _text(screen, "#till-result")
        assert tui_world.member_no in result and "张*" in result
        assert "+128" in result and "128" in result.rsplit(" ", 1)[-1]
        assert _text(screen, "#till-error") == ""
        assert tui_world.app.name not in result

        # The Return tab: a partial return takes back its share of the points.
        await desk.press("f4")
        assert desk.app.focused is screen.query_one("#till-return-receipt", Input)
        await desk.fill("#till-return-receipt", "R-1")
        await desk.fill("#till-return-amount", "28.50")
        await desk.fill("#till-return-ref", "RT-1")
        await desk.press("ctrl+s")
        await desk.done("record_return")
        result = _text(screen, "#till-result")
        assert "RT-1" in result and "28.50/128.50" in result and result.endswith("100")

        # More than is left: refused, the input kept.
        await desk.fill("#till-return-receipt", "R-1")
        await desk.fill("#till-return-amount", "100.01")
        await desk.fill("#till-return-ref", "RT-2")
        await desk.press("ctrl+s")
        await desk.done("record_return")
        assert "at most 100.00" in _text(screen, "#till-error")
        assert screen.query_one("#till-return-amount", Input).value == "100.01"
        assert desk.app.focused is screen.query_one("#till-return-amount", Input)


async def test_agents_are_not_offered_the_till(wb, tui_world):
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        assert "till.menu" not in [e.label for e in counter_entries(desk.app.staff.role)]
