"""The idle lock: once the idle timeout passes, the sign-in screen covers the member's profile at
the timer's next tick (no key needed), the server's session ends as timed out; the same agent
signing in again is back on the profile, and keys pressed in the meantime keep the desk open."""

from datetime import timedelta

from sqlalchemy import select

from tests.tui.harness import running
from workbench.audit.models import AuditEntry
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.sign_in import SignInScreen


async def test_the_desk_locks_when_the_idle_timeout_passes(wb, tui_world, clock):
    timeout = timedelta(minutes=wb.settings.protection_idle_timeout_minutes)
    agent = tui_world.staff["agent"]
    async with running(WorkbenchApp(wb)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await desk.fill("#search-input", tui_world.app.phone)
        await desk.press("enter")
        profile = await desk.shown(ProfileScreen)
        await desk.done("load_service_data")

        # Keys count as activity: the timer's keep-alive tells the server, so no lock.
        clock.advance(timeout - timedelta(minutes=1))
        await desk.press("alt+2")
        app.idle_tick()  # the once-a-second timer's callback, run now
        await desk.done("keep_alive")
        clock.advance(timeout - timedelta(seconds=1))
        app.idle_tick()
        assert app.screen is profile and app.signed_in is not None

        # Nothing for the whole timeout: at the next tick the profile is covered.
        clock.advance(seconds=1)
        app.idle_tick()
        await desk.shown(SignInScreen)
        assert app.signed_in is None and profile in app.screen_stack
        assert "锁定" in desk.notifications()[-1]
        text = app.export_screenshot()
        assert tui_world.member_no not in text and "张" not in text
        with wb.sessions() as session:
            actions = session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == agent.id)
            ).all()
        assert actions[-1] == "session_timeout"

        # The same agent signs in again: back on the profile, still there.
        await desk.fill("#username", "agent")
        await desk.fill("#password", "password1")
        await desk.press("enter")
        await desk.done("sign_in")
        await desk.shown(ProfileScreen)
        assert app.screen is profile and app.signed_in is not None


async def test_someone_else_signing_in_on_the_lock_starts_afresh(wb, tui_world, clock):
    async with running(WorkbenchApp(wb)) as desk:
        app = desk.app
        await desk.sign_in("agent")
        await desk.fill("#search-input", tui_world.app.phone)
        await desk.press("enter")
        profile = await desk.shown(ProfileScreen)
        clock.advance(minutes=wb.settings.protection_idle_timeout_minutes)
        app.idle_tick()
        await desk.shown(SignInScreen)
        await desk.sign_in("supervisor")
        assert profile not in app.screen_stack
        assert not any(isinstance(s, (ProfileScreen, SignInScreen)) for s in app.screen_stack)
