"""The cards screen with a Pilot: from the profile (Ctrl+A → Cards) a store's sales person
activates the card (a wrong phone keeps the form open), reports it lost, unfreezes it when found,
reports it lost again and reissues a new number; each confirm dialog starts on Cancel, and only
the steps the role may take in the card's state are offered."""

from textual.widgets import DataTable, Input, OptionList, Static

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.cards import ActivateCardScreen, CardsScreen
from workbench.tui.screens.member_desk import MemberMenuScreen
from workbench.tui.screens.profile import ProfileScreen


async def _cards_screen(desk, phone: str) -> CardsScreen:
    """Home search → profile → Ctrl+A → Cards: the cards screen, loaded."""
    await desk.fill("#search-input", phone)
    await desk.press("enter")
    await desk.done("search")
    await desk.shown(ProfileScreen)
    await desk.done("load_service_data")
    await desk.press("ctrl+a")
    menu = await desk.shown(MemberMenuScreen)
    assert isinstance(menu, MemberMenuScreen)
    options = menu.query_one(OptionList)
    options.highlighted = [e.label for e in menu._entries].index("cards.menu")
    await desk.press("enter")
    screen = await desk.shown(CardsScreen)
    await desk.done("load")
    assert isinstance(screen, CardsScreen)
    return screen


def _rows(screen: CardsScreen) -> list[tuple[str, str, str]]:
    table = screen.query_one("#cards-table", DataTable)
    rows = [table.get_row(key) for key in table.rows]
    return [(str(r[0]), str(r[1]), str(r[6])) for r in rows]


def _offered(screen: CardsScreen) -> set[str]:
    steps = ("activate", "lost", "found", "reissue", "replace")
    return {s for s in steps if screen.check_action("step", (s,))}


async def _confirm(desk, key: str, screen: CardsScreen) -> None:
    """Presses the step's key; the dialog starts on Cancel, so Enter alone changes nothing;
    then confirms with the button, and waits for the step and the list reloaded."""
    await desk.press(key)
    dialog = await desk.shown(ConfirmScreen)
    assert desk.app.focused is not None and desk.app.focused.id == "modal-cancel"
    await desk.press("enter")
    await desk.shown(CardsScreen)
    await desk.press(key)
    await desk.shown(ConfirmScreen)
    await desk.click("#modal-submit")
    await desk.done("take", "load")
    assert dialog is not desk.app.screen


async def test_activate_lost_found_lost_reissue(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 34)) as desk:
        await desk.sign_in("sales_own")
        screen = await _cards_screen(desk, world.app.phone)
        [(first, status, current)] = _rows(screen)
        assert status == "待激活" and current == "●"
        assert _offered(screen) == {"activate", "lost", "replace"}
        title = str(screen.query_one("#cards-title", Static).render())
        assert world.member_no in title and "张*" in title and world.app.name not in title

        # Activation asks for the phone; a wrong one keeps the form open with the reason.
        await desk.press("f5")
        form = await desk.shown(ActivateCardScreen)
        assert desk.app.focused is form.query_one("#activate-phone", Input)
        await desk.fill("#activate-phone", "13800000000")
        await desk.press("enter")
        await desk.done("activate")
        assert desk.app.screen is form
        assert "does not match" in str(form.query_one("#activate-error", Static).render())
        assert form.query_one("#activate-phone", Input).value == "13800000000"
        await desk.fill("#activate-phone", world.app.phone)
        await desk.press("enter")
        await desk.done("activate")
        await desk.notified(first)
        await desk.done("load")
        assert _rows(screen) == [(first, "正常", "●")]
        assert _offered(screen) == {"lost", "replace"}

        await _confirm(desk, "f6", screen)
        assert _rows(screen) == [(first, "挂失冻结", "●")]
        assert _offered(screen) == {"found", "reissue"}

        await _confirm(desk, "f7", screen)
        assert _rows(screen) == [(first, "正常", "●")]

        await _confirm(desk, "f6", screen)
        await _confirm(desk, "f8", screen)
        rows = _rows(screen)
        assert rows[0] == (first, "挂失冻结", "") and rows[1][1:] == ("正常", "●")
        assert rows[1][0] != first
        # A new number is out: the lost card can no longer be unfrozen, and F7 is not offered.
        assert _offered(screen) == {"lost", "replace"}
        await desk.press("f7")
        assert desk.app.screen is screen


async def test_the_hotline_is_offered_only_the_freeze(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 34)) as desk:
        await desk.sign_in("agent")
        app = desk.app
        app.push_screen(CardsScreen(tui_world.member_no))
        screen = await desk.shown(CardsScreen)
        await desk.done("load")
        assert isinstance(screen, CardsScreen)
        assert _offered(screen) == {"lost"}
        await desk.press("f5")  # activation is the store's: nothing opens
        assert app.screen is screen
