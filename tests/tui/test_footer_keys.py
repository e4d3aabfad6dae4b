"""The footer builds its keys again only when what it shows changes: moving the focus between
fields leaves them as they are (Textual's footer rebuilt and restyled every key at each focus
change, which made each Tab on a busy screen take 100 ms and more), while a change of language
or of the screen's keys does rebuild them."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.widgets.footer import TranslatedFooter

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _keys(app: WorkbenchApp) -> list[FooterKey]:
    return list(app.screen.query_one(TranslatedFooter).query(FooterKey))


async def test_a_focus_change_keeps_the_footer_keys_a_language_change_redraws_them(wb, tui_world):
    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("agent")
        await desk.shown(HomeScreen)
        await desk.at_rest()
        before = _keys(desk.app)
        assert before
        for _ in range(4):
            await desk.press("tab")
            await desk.at_rest()
        assert desk.app.screen.focused is not None
        assert all(a is b for a, b in zip(_keys(desk.app), before, strict=True))

        words = [key.description for key in before]
        await desk.press("ctrl+l")
        await desk.at_rest()
        after = _keys(desk.app)
        assert [key.description for key in after] != words  # the other language's words
        assert not any(a is b for a, b in zip(after, before, strict=False))
