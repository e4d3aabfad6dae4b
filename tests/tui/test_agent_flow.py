"""The agent's flow through the TUI with a Pilot: sign in, find a member, reveal a field with a
reason, see it re-masked, and see the data leave the screen when the grant ends."""

from datetime import timedelta

from rich.text import Text
from textual.widgets import DataTable, Input, Static

from tests.tui.conftest import PASSWORD
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.sign_in import SignInScreen


async def _settle(pilot):
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _sign_in(pilot, username, password=PASSWORD):
    pilot.app.screen.query_one("#username", Input).value = ""
    await pilot.click("#username")
    await pilot.press(*username)
    await pilot.click("#password")
    await pilot.press(*password, "enter")
    await _settle(pilot)


def _cell_texts(table: DataTable) -> dict[str, str]:
    return {str(row_key.value): str(table.get_row(row_key)[1]) for row_key in table.rows}


async def test_sign_in_refused_then_accepted(wb, tui_world):
    app = WorkbenchApp(wb)
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot, "agent", "wrong-password")
        assert isinstance(app.screen, SignInScreen)
        error = app.screen.query_one("#sign-in-error", Static)
        assert "wrong username or password" in str(error.render())
        await _sign_in(pilot, "agent")
        assert isinstance(app.screen, HomeScreen)


async def test_search_reveal_remask_and_grant_end(wb, tui_world, clock):
    app = WorkbenchApp(wb)
    world = tui_world
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot, "agent")
        await pilot.click("#search-input")
        await pilot.press(*world.app.phone, "enter")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProfileScreen)
        fields = _cell_texts(screen.query_one("#profile-fields", DataTable))
        assert fields["name"] == "张*"
        assert world.app.phone not in str(fields)

        # Reveal the name (the cursor is on the first row) with a reason.
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"caller spelled it", "enter")
        await _settle(pilot)
        fields = _cell_texts(screen.query_one("#profile-fields", DataTable))
        assert fields["name"].startswith("张伟")

        # The reveal ends after 5 minutes: masked again.
        clock.advance(minutes=5)
        screen._tick()
        await _settle(pilot)
        fields = _cell_texts(screen.query_one("#profile-fields", DataTable))
        assert fields["name"] == "张*"

        # The lookup grant ends after 30 minutes: the data leaves the screen at once.
        clock.advance(timedelta(minutes=25))
        screen._tick()
        await pilot.pause()
        assert screen.view is None and screen.profile is None
        assert screen.query_one("#profile-fields", DataTable).row_count == 0
        header = str(screen.query_one("#profile-header", Static).render())
        assert "授权已结束" in header


async def test_member_text_is_shown_literally(wb, tui_world):
    from tests.factories import application

    name = "[bold red]X[/]"
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=application(name=name),
                                   actor=tui_world.staff["sales_own"])  # fmt: skip
        session.commit()
    app = WorkbenchApp(wb)
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(pilot, "sales_own")
        view = wb.access.view(tui_world.staff["sales_own"], member.member_no, "sales")
        wb.access.reveal(tui_world.staff["sales_own"], member.member_no, "name", "check name")
        view = wb.access.view(tui_world.staff["sales_own"], member.member_no, "sales")
        app.push_screen(ProfileScreen(view))
        await _settle(pilot)
        table = app.screen.query_one("#profile-fields", DataTable)
        cell = table.get_row("name")[1]
        assert isinstance(cell, Text) and cell.plain.startswith(name)


async def test_language_toggle(wb, tui_world):
    app = WorkbenchApp(wb)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one("#username", Input).placeholder == "用户名"
        await pilot.press("ctrl+l")
        assert app.screen.query_one("#username", Input).placeholder == "Username"
