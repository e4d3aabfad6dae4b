"""Calls in the TUI with a Pilot: the screen pop reaches the signed-in agent's home screen, F2
takes the call and opens the masked profile (or the registration form for a new caller), and
the profile's actions work: send a message, report the card lost, schedule a callback,
transfer the call."""

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, Static

from tests.tui.conftest import PASSWORD, wait_for_tables, wait_for_workers
from workbench.callbacks.models import CallbackTask
from workbench.members.models import CardStatus, MemberCard
from workbench.messaging.models import OutboxMessage
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.register import RegisterCallerScreen

HOTLINE = "+864008000800"


async def _settle(pilot, rounds: int = 1):
    for _ in range(rounds):
        await wait_for_workers(pilot.app)
        await pilot.pause(0.05)
    await wait_for_tables(pilot)


async def _sign_in(pilot, username):
    await pilot.click("#username")
    await pilot.press(*username)
    await pilot.click("#password")
    await pilot.press(*PASSWORD, "enter")
    await _settle(pilot)


async def _wait_for_banner(pilot) -> Static:
    banner = pilot.app.screen.query_one("#call-banner", Static)
    for _ in range(100):  # the event crosses a thread (and on PostgreSQL, a connection)
        await _settle(pilot)
        if banner.display:
            return banner
    raise AssertionError("no screen pop")


async def _ring(pilot, app, caller: str, sid: str = "CA" + "1" * 32):
    await pilot.pause(0.3)  # the listener is listening
    app.wb.telephony.hotline.incoming(call_sid=sid, from_number=caller, to_number=HOTLINE)
    return await _wait_for_banner(pilot)


async def test_a_pop_then_f2_opens_the_callers_masked_profile(wb, tui_world):
    world = tui_world
    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "agent")
        banner = await _ring(pilot, app, world.app.phone)
        text = str(banner.render())
        masked = world.app.phone[:3] + "****" + world.app.phone[-4:]
        assert masked in text and world.app.phone not in text
        await pilot.press("f2")
        await _settle(pilot, 2)
        screen = app.screen
        assert isinstance(screen, ProfileScreen) and screen.call_id is not None
        table = screen.query_one("#profile-fields", DataTable)
        assert world.app.phone not in str([table.get_row(k) for k in table.rows])
        assert "T" in str(screen.query_one("#service-data", Static).render())  # on a call
        await pilot.press("escape")
        await _settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one("#call-banner", Static).display  # taken


async def test_a_new_caller_is_registered_with_the_number_they_call_from(wb, tui_world):
    from tests.factories import fake_id_number

    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "agent")
        await _ring(pilot, app, "13712345678")
        await pilot.press("f2")
        await _settle(pilot, 2)
        screen = app.screen
        assert isinstance(screen, RegisterCallerScreen)
        screen.query_one("#register-name", Input).value = "李四"
        screen.query_one("#register-id", Input).value = "110101199001011230"  # bad checksum
        screen.query_one("#register-store", Select).value = "SH01"
        await pilot.press("ctrl+s")
        await _settle(pilot)
        error = str(screen.query_one("#register-error", Static).render())
        assert "id_number" in error and screen.query_one("#register-id").has_class("invalid")
        screen.query_one("#register-id", Input).value = fake_id_number("19900101")
        await pilot.press("ctrl+s")
        await _settle(pilot, 2)
        assert isinstance(app.screen, ProfileScreen)
        view = app.screen.view
        assert view.status == "pending_review" and view.shown("phone") == "137****5678"


async def test_profile_actions_message_lost_card_callback(wb, tui_world):
    world = tui_world
    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "agent")
        await _ring(pilot, app, world.app.phone)
        await pilot.press("f2")
        await _settle(pilot, 2)
        profile = app.screen
        # A message, previewed with its length in SMS segments, then queued.
        await pilot.press("m")
        await _settle(pilot, 2)
        preview = str(app.screen.query_one("#message-preview", Static).render())
        assert "UCS-2" in preview and world.member_no in preview
        await pilot.click("#modal-submit")
        await _settle(pilot, 2)
        with wb.sessions() as session:
            sent = session.scalars(
                select(OutboxMessage.template).where(OutboxMessage.member_id == world.member_id)
            ).all()
        assert sent.count("welcome") == 3  # the approval's SMS and e-mail, and this one
        # A callback within 3 days.
        await pilot.press("b")
        await _settle(pilot)
        await pilot.click("#modal-submit")
        await _settle(pilot, 2)
        with wb.sessions() as session:
            task = session.scalar(select(CallbackTask))
        assert (task.member_id, task.reason) == (world.member_id, "member_request")
        # The card reported lost after a confirmation: frozen at once.
        with wb.sessions() as session:
            card = wb.registry.current_card(session, world.member_id)
            wb.registry.activate_card(
                session, card_no=card.card_no, phone=world.app.phone, actor=world.staff["agent"]
            )
            session.commit()
        await pilot.press("l")
        await _settle(pilot)
        await pilot.click("#modal-submit")
        await _settle(pilot, 2)
        with wb.sessions() as session:
            statuses = session.scalars(
                select(MemberCard.status).where(MemberCard.member_id == world.member_id)
            ).all()
        assert CardStatus.LOST in statuses
        assert app.screen is profile
        tabs = profile.query_one("#history-callbacks", DataTable)
        assert tabs.row_count == 1


async def test_transfer_hands_the_caller_on_and_the_record_leaves_the_screen(wb, tui_world):
    world = tui_world
    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "agent")
        await _ring(pilot, app, world.app.phone)
        await pilot.press("f2")
        await _settle(pilot, 2)
        profile = app.screen
        await pilot.press("t")
        await _settle(pilot)
        app.screen.query_one("#transfer-queue", Select).value = "supervisor"
        await pilot.click("#modal-submit")
        await _settle(pilot, 3)
        assert profile.view is None and profile.ended
        header = str(profile.query_one("#profile-header", Static).render())
        assert world.app.phone not in header


async def test_the_command_palette_offers_the_screens_keys(wb, tui_world):
    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await _sign_in(pilot, "agent")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"接听", "下一个回访", "查找", "退出登录", "帮助"} <= titles  # zh-CN by default
        assert "演示来电" not in titles  # hidden keys stay out
        await pilot.press("ctrl+l")
        await _settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Take call", "Next callback", "Search", "Sign out", "Help"} <= titles
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "Take call" in footer and "接听" not in footer
        [take] = [c for c in app.get_system_commands(app.screen) if c.title == "Take call"]
        take.callback()  # nothing waiting: a no-op, but it runs the screen's action
        await _settle(pilot)
        assert isinstance(app.screen, HomeScreen)
