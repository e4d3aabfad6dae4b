"""The demo's sign-in hint (its logins, password and cards to search for) is the catalogue's,
in the sign-in screen's language, and follows Ctrl+L like the rest of the screen (issue 17:
it was English in the zh-CN UI)."""

from textual.widgets import Static

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.sign_in import SignInScreen

HINT = ("sign_in.demo_hint", {"logins": "agent1 · admin", "password": "demo1234", "cards": "C1"})


async def test_the_demo_hint_in_either_language(wb):
    wb.settings.locale_language = "zh-CN"
    async with running(WorkbenchApp(wb, sign_in_hint=HINT), size=(120, 40)) as desk:
        screen = await desk.shown(SignInScreen)
        hint = screen.query_one("#sign-in-hint", Static)
        text = str(hint.render())
        assert "演示账号" in text and "密码 demo1234" in text and "可查找的卡号：C1" in text
        assert "agent1 · admin" in text and "password" not in text and "search" not in text
        await desk.press("ctrl+l")
        await desk.pilot.pause()
        text = str(hint.render())
        assert "demo: agent1 · admin — password demo1234" in text and "演示" not in text
        assert "search for a card: C1" in text


async def test_no_hint_without_one(wb):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        screen = await desk.shown(SignInScreen)
        assert not screen.query("#sign-in-hint")
        await desk.press("ctrl+l")  # relabels without one
        await desk.pilot.pause()
        assert not screen.query("#sign-in-hint")
