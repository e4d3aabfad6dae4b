"""The agent's flow through the TUI with a Pilot: sign in, find a member, reveal a field with a
reason, see it re-masked, and see the data leave the screen when the grant ends."""

from datetime import timedelta

from rich.text import Text
from textual.widgets import DataTable, Input, Select, Static

from tests.tui.harness import running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.reveal import RevealScreen
from workbench.tui.screens.sign_in import SignInScreen


def _cell_texts(table: DataTable) -> dict[str, str]:
    return {str(row_key.value): str(table.get_row(row_key)[1]) for row_key in table.rows}


async def test_sign_in_refused_then_accepted(wb, tui_world):
    async with running(WorkbenchApp(wb)) as desk:
        app = desk.app
        await desk.sign_in("agent", "wrong-password", typed=True)
        assert isinstance(app.screen, SignInScreen)
        error = app.screen.query_one("#sign-in-error", Static)
        assert "用户名或密码错误" in str(error.render())  # wrong username or password
        await desk.sign_in("agent", typed=True)
        assert isinstance(app.screen, HomeScreen)


async def _search(desk, phone: str) -> ProfileScreen:
    """Types a phone number into the home screen's search: the profile found, loaded."""
    await desk.fill("#search-input", phone)
    await desk.press("enter")
    await desk.done("search")
    screen = await desk.shown(ProfileScreen)
    await desk.done("load_service_data")
    return screen


async def test_search_reveal_remask_and_grant_end(wb, tui_world, clock):
    world = tui_world
    async with running(WorkbenchApp(wb)) as desk:
        pilot = desk.pilot
        await desk.sign_in("agent")
        screen = await _search(desk, world.app.phone)
        assert isinstance(screen, ProfileScreen)
        fields = _cell_texts(screen.query_one("#profile-fields", DataTable))
        assert fields["name"] == "张*"
        assert world.app.phone not in str(fields)

        # Reveal the name (the cursor is on the first row) with a reason.
        await desk.press("ctrl+r")
        dialog = await desk.shown(RevealScreen)
        dialog.query_one("#reveal-purpose", Select).value = "identity check"
        await desk.fill("#reveal-note", "caller spelled it")
        await desk.press("enter")
        await desk.done("reveal")
        fields = _cell_texts(screen.query_one("#profile-fields", DataTable))
        assert fields["name"].startswith("张伟")

        # The reveal ends after 5 minutes: masked again.
        clock.advance(minutes=5)
        desk.mark()
        screen._tick()
        await desk.done("reload")
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


MARKUP = "[bold red]X[/] [link=http://x]y[/link]"  # member text that looks like markup


def _shown(widget) -> str:
    """The text a widget draws on the terminal, line by line, as the user sees it."""
    return "\n".join(
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    )


def _literal_cell(table: DataTable, row_key, column: int = 1) -> bool:
    cell = table.get_row(row_key)[column]
    # A plain str cell would be read as markup by the table; Text is drawn as it is.
    return isinstance(cell, Text) and cell.plain == MARKUP and not cell.spans


async def test_member_text_is_shown_literally(wb, tui_world):
    """Wherever member text appears: the profile after a search, the callback workspace, the
    complaint screen (description and notes). Brackets stay brackets, no style, no link."""
    from tests.factories import application
    from workbench.complaints.service import ComplaintIntake
    from workbench.tui.screens.callback import CallbackScreen
    from workbench.tui.screens.complaint import ComplaintScreen

    staff = tui_world.staff
    app_form = application(name=MARKUP, address=MARKUP)
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app_form, actor=staff["sales_own"])
        wb.registry.approve(session, member_no=member.member_no, actor=staff["agent"])
        complaint = wb.complaints.open(
            session,
            actor=staff["agent"],
            intake=ComplaintIntake(
                channel="hotline", category="other", description=MARKUP, member_no=member.member_no
            ),
        )
        wb.complaints.assign(
            session,
            complaint_no=complaint.complaint_no,
            department="customer_service",
            actor=staff["supervisor"],
            handler=staff["agent"],
            note=MARKUP,
        )
        wb.callbacks.schedule(session, member_id=member.id, reason="satisfaction_check")
        session.commit()
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        # Search results: the profile found by exact phone, then revealed.
        profile = await _search(desk, app_form.phone)
        assert isinstance(profile, ProfileScreen)
        for field in ("name", "address"):
            wb.access.reveal(staff["agent"], member.member_no, field, "identity check", "spelling")
        desk.mark()
        profile.reload()
        await desk.done("reload")
        table = profile.query_one("#profile-fields", DataTable)
        assert _literal_cell(table, "name") and _literal_cell(table, "address")
        assert MARKUP in _shown(table)
        await desk.press("escape")
        await desk.shown(HomeScreen)

        # The callback workspace shows the same profile (the reveals are still live).
        await desk.press("ctrl+n")
        await desk.done("claim_callback")
        workspace = await desk.shown(CallbackScreen)
        await desk.done("load_service_data")
        assert isinstance(workspace, CallbackScreen)
        table = workspace.query_one("#profile-fields", DataTable)
        assert _literal_cell(table, "name") and MARKUP in _shown(table)

        # The complaint: the member's words and the step note.
        desk.mark()
        app.push_screen(ComplaintScreen(complaint.complaint_no))
        await desk.done("load")
        screen = app.screen
        description = screen.query_one("#complaint-description", Static)
        assert MARKUP in str(description.render()) and MARKUP in _shown(description)
        timeline = screen.query_one("#complaint-timeline", DataTable)
        notes = [timeline.get_row(key)[5] for key in timeline.rows]
        assert any(isinstance(n, Text) and n.plain == MARKUP and not n.spans for n in notes)


async def test_language_toggle(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(80, 24)) as desk:
        app = desk.app
        assert app.screen.query_one("#username", Input).placeholder == "用户名"
        await desk.press("ctrl+l")
        assert app.screen.query_one("#username", Input).placeholder == "Username"
