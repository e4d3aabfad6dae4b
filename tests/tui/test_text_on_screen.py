"""Text is text on the screen (issue 15, item 3): a member whose stored name and address still
hold terminal control and a bidi override (old data, written before input was checked) shows
them replaced in the profile, masked and revealed, with a Pilot."""

from __future__ import annotations

import unicodedata

from textual.widgets import DataTable, Static

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.profile import ProfileScreen

HOSTILE = "\x1b[31mred\x1b[0m\x07bell\u202e"
RLO_ADDRESS = "上海市浦东新区\u202e路001号"
BIDI = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def raw_controls(text: str) -> list[str]:
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (unicodedata.category(c) == "Cc" and c != "\n") or ord(c) in BIDI
    ]


def _fields(screen: ProfileScreen) -> dict[str, str]:
    table = screen.query_one("#profile-fields", DataTable)
    return {str(key.value): str(table.get_row(key)[1]) for key in table.rows}


async def test_the_profile_shows_old_control_characters_replaced(wb, tui_world):
    world = tui_world
    with wb.sessions() as session:  # old data: stored as the registry stores it, unchecked
        member = wb.registry.get(session, world.member_no)
        member.name_enc = wb.registry.cipher.encrypt("name", HOSTILE)
        member.address_enc = wb.registry.cipher.encrypt("address", RLO_ADDRESS)
        session.commit()
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("agent")
        await desk.fill("#search-input", world.app.phone)
        await desk.press("enter")
        await desk.done("search")
        screen = await desk.shown(ProfileScreen)
        assert isinstance(screen, ProfileScreen)
        await desk.done("load_service_data")

        masked = _fields(screen)
        assert masked["name"].startswith("\ufffd")  # the kept first character, replaced
        assert all(raw_controls(value) == [] for value in masked.values()), masked

        purpose = wb.usecases.members.reveal_purposes()[0]
        for field in ("name", "address"):
            wb.usecases.members.reveal(world.staff["agent"], world.member_no, field, purpose)
        desk.mark()
        screen.reload()
        await desk.done("reload")
        revealed = _fields(screen)
        assert revealed["name"].startswith("\ufffd[31mred\ufffd[0m")
        assert revealed["address"].startswith("上海市浦东新区路001号")
        assert all(raw_controls(value) == [] for value in revealed.values()), revealed
        header = str(screen.query_one("#profile-header", Static).render())
        assert world.member_no in header and raw_controls(header) == []
