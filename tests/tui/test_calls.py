"""Calls in the TUI with a Pilot: the screen pop reaches the signed-in agent's home screen, F2
takes the call and opens the masked profile (or the registration form for a new caller), and
the profile's actions work: send a message, report the card lost, schedule a callback,
transfer the call."""

from sqlalchemy import select
from textual.widgets import DataTable, Input, Select, Static

from tests.tui.harness import Desk, running
from workbench.callbacks.models import CallbackTask
from workbench.members.models import CardStatus, MemberCard
from workbench.messaging.models import OutboxMessage
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen, ScheduleCallbackScreen, TransferScreen
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.register import RegisterCallerScreen

HOTLINE = "+864008000800"


async def ring(desk: Desk, caller: str, sid: str = "CA" + "1" * 32) -> Static:
    """A call to the hotline from `caller`: waits for the home screen's banner, which the call
    event brings (across a thread, on PostgreSQL a connection) or else the poll of waiting
    calls, each a `load_calls`."""
    desk.mark()
    desk.app.wb.telephony.hotline.incoming(call_sid=sid, from_number=caller, to_number=HOTLINE)
    banner = desk.app.screen.query_one("#call-banner", Static)
    await desk.done_until("load_calls", lambda: banner.display, "a screen pop")
    return banner


async def _take(desk: Desk, screen_type=ProfileScreen):
    """F2 on the home screen: the call taken, the caller's screen open and loaded."""
    await desk.press("f2")
    await desk.done("take_call")
    screen = await desk.shown(screen_type)
    await desk.done("load_stores" if screen_type is RegisterCallerScreen else "load_service_data")
    return screen


async def test_a_pop_then_f2_opens_the_callers_masked_profile(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        banner = await ring(desk, world.app.phone)
        text = str(banner.render())
        masked = world.app.phone[:3] + "****" + world.app.phone[-4:]
        assert masked in text and world.app.phone not in text
        screen = await _take(desk)
        assert isinstance(screen, ProfileScreen) and screen.call_id is not None
        table = screen.query_one("#profile-fields", DataTable)
        assert world.app.phone not in str([table.get_row(k) for k in table.rows])
        assert "T" in str(screen.query_one("#service-data", Static).render())  # on a call
        await desk.press("escape")
        await desk.shown(HomeScreen)
        await desk.done("load_calls")  # the home screen, resumed, reloads what is waiting
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one("#call-banner", Static).display  # taken


async def test_a_new_caller_is_registered_with_the_number_they_call_from(wb, tui_world):
    from tests.factories import fake_id_number

    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await ring(desk, "13712345678")
        screen = await _take(desk, RegisterCallerScreen)
        assert isinstance(screen, RegisterCallerScreen)
        screen.query_one("#register-name", Input).value = "李四"
        screen.query_one("#register-id", Input).value = "110101199001011230"  # bad checksum
        screen.query_one("#register-store", Select).value = "SH01"
        await desk.press("ctrl+s")
        await desk.done("register")
        error = str(screen.query_one("#register-error", Static).render())
        assert "身份证号" in error and screen.query_one("#register-id").has_class("invalid")
        screen.query_one("#register-id", Input).value = fake_id_number("19900101")
        await desk.press("ctrl+s")
        await desk.shown(ProfileScreen)  # the form, saved, gives way to the profile
        await desk.done("load_service_data")
        assert isinstance(app.screen, ProfileScreen)
        view = app.screen.view
        assert view.status == "pending_review" and view.shown("phone") == "137****5678"


async def test_profile_actions_message_lost_card_callback(wb, tui_world):
    world = tui_world
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await ring(desk, world.app.phone)
        profile = await _take(desk)
        # A message, previewed with its length in SMS segments, then queued.
        await desk.press("f3")
        await desk.done("preview")
        preview = str(app.screen.query_one("#message-preview", Static).render())
        assert "UCS-2" in preview and world.member_no in preview
        await desk.click("#modal-submit")
        await desk.done("act")
        with wb.sessions() as session:
            sent = session.scalars(
                select(OutboxMessage.template).where(OutboxMessage.member_id == world.member_id)
            ).all()
        assert sent.count("welcome") == 3  # the approval's SMS and e-mail, and this one
        # A callback within 3 days.
        await desk.press("f4")
        await desk.shown(ScheduleCallbackScreen)
        await desk.click("#modal-submit")
        await desk.done("act")
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
        await desk.press("f6")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("act")
        await desk.done("load_service_data")  # the history, after the action
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
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await ring(desk, world.app.phone)
        profile = await _take(desk)
        await desk.press("ctrl+t")
        await desk.shown(TransferScreen)
        app.screen.query_one("#transfer-queue", Select).value = "supervisor"
        await desk.click("#modal-submit")
        await desk.done("act")
        await desk.done("reload")  # the record, seen again without the call's grant
        assert profile.view is None and profile.ended
        header = str(profile.query_one("#profile-header", Static).render())
        assert world.app.phone not in header


async def test_the_command_palette_offers_the_screens_keys(wb, tui_world):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"接听", "下一个回访", "查找", "退出登录", "帮助"} <= titles  # zh-CN by default
        assert "演示来电" not in titles  # hidden keys stay out
        await desk.press("ctrl+l")
        await desk.pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Take call", "Next callback", "Search", "Sign out", "Help"} <= titles
        footer = " ".join(str(key.render()) for key in app.screen.query("FooterKey"))
        assert "Take call" in footer and "接听" not in footer
        [take] = [c for c in app.get_system_commands(app.screen) if c.title == "Take call"]
        take.callback()  # nothing waiting: a no-op, but it runs the screen's action
        await desk.pilot.pause()
        assert isinstance(app.screen, HomeScreen)
