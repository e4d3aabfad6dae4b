"""The Textual application: holds the services, the signed-in staff member and the labels.

Screens call the domain services from thread workers (they block on the database) and post the
results back; service errors are shown as notifications with the service's message.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import partial
from typing import Any

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from workbench.bootstrap import Workbench
from workbench.errors import WorkbenchError
from workbench.incidents import person_facing
from workbench.members.models import Role, Staff
from workbench.permissions.auth import SessionExpired, SignedIn
from workbench.tui.idle import IdleWatch
from workbench.tui.labels import Labels
from workbench.tui.widgets.call_bar import CallKeys
from workbench.tui.work import desk_work
from workbench.usecases import UseCases
from workbench.usecases.calls import HotlineDesk

log = logging.getLogger(__name__)


class WorkbenchApp(CallKeys, App[None]):  # CallKeys: the call bar's keys and state
    CSS_PATH = "app.tcss"
    TITLE = "workbench"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("ctrl+l", "toggle_language", "中/EN"),
    ]

    def __init__(
        self,
        wb: Workbench,
        *,
        sign_in_hint: tuple[str, dict[str, str]] | None = None,
        demo: bool = False,
    ) -> None:
        super().__init__()
        self.wb = wb
        # e.g. the demo logins: a catalogue key and its values, shown in the chosen language
        self.sign_in_hint = sign_in_hint
        self.demo = demo  # F9 rings the hotline from a demo caller
        self.labels = Labels(wb.settings.locale_language)
        self.signed_in: SignedIn | None = None
        self._stop_listening = threading.Event()
        idle_minutes = wb.settings.protection_idle_timeout_minutes
        self.idle = IdleWatch(wb.clock, timedelta(minutes=idle_minutes))
        self.locked_for: int | None = None  # the staff id the idle lock waits for

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        """Textual counts the screen under the top one as visible even when the top one is
        opaque: each change down there (the home screen's call banner, at every call event)
        repainted the whole top screen, the wallboard 10 times a second. Under an opaque screen
        nothing shows; the screen below catches up when it is shown again (its resume)."""
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens

    @property
    def usecases(self) -> UseCases:
        return self.wb.usecases

    @property
    def calls(self) -> HotlineDesk:
        """The hotline's use cases (the TUI's workbench is built with the hotline)."""
        if self.wb.usecases.calls is None:
            raise WorkbenchError("this workbench was built without the hotline")
        return self.wb.usecases.calls

    @property
    def staff(self) -> Staff:
        assert self.signed_in is not None, "no one is signed in"
        return self.signed_in.staff

    def on_mount(self) -> None:
        from workbench.tui.screens.sign_in import SignInScreen

        self.title = self.labels("app.title")
        self.push_screen(SignInScreen())
        self.set_interval(1, self.idle_tick)

    # Session ------------------------------------------------------------------------------------
    def start_session(self, signed_in: SignedIn) -> None:
        from workbench.tui.screens.home import HomeScreen
        from workbench.tui.screens.statistics import StatisticsScreen

        self.signed_in = signed_in
        self.idle.touched()
        if signed_in.staff.language is not None:  # the language they chose last time
            self.labels.language = signed_in.staff.language
            self.title = self.labels("app.title")
        self._show_who()
        # Without the hotline (a workbench built so, as bench/tui.py does) there is nothing
        # to listen to: no listener, rather than one that fails at once and logs it.
        hotline = self.wb.usecases.calls is not None
        if hotline and signed_in.staff.role in (Role.AGENT, Role.SUPERVISOR):
            self._stop_listening = threading.Event()
            # A thread of its own, not a worker: it runs for the whole session.
            threading.Thread(
                target=self._listen_for_calls,
                args=(self._stop_listening,),
                name="call-events",
                daemon=True,
            ).start()
        if self._unlocked(signed_in):
            return
        if signed_in.staff.role == Role.ANALYST:
            self.switch_screen(StatisticsScreen())
        else:
            self.switch_screen(HomeScreen())

    def _show_who(self) -> None:
        """The header names the signed-in person and their role, in the current language."""
        if self.signed_in is not None:
            staff = self.signed_in.staff
            self.sub_title = f"{staff.display_name} · {self.labels.value('role', staff.role)}"

    def touch_session(self) -> Staff:
        """Called from workers before each use case: the acting staff member, seen now; ends an
        idle session (SessionExpired)."""
        if self.signed_in is None:
            raise SessionExpired(self.labels("sign_in.expired"))
        staff = self.usecases.sign_in.resume(self.signed_in.token)
        self.idle.touched()
        return staff

    def end_session(self, message: str | None = None) -> None:
        from workbench.tui.screens.sign_in import SignInScreen

        self._stop_listening.set()
        if self.signed_in is not None:
            self.usecases.sign_in.sign_out(self.signed_in.token)
        self.signed_in = None
        self.locked_for = None
        self.sub_title = ""
        self.labels.language = self.wb.settings.locale_language  # the next person's default
        self.title = self.labels("app.title")
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(SignInScreen())
        if message:
            self.notify(message, severity="warning", markup=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.idle.active()
        await super().on_event(event)

    def idle_tick(self) -> None:
        """Every second: past the idle timeout the desk locks (see workbench.tui.idle)."""
        if self.signed_in is None:
            return
        if self.idle.idle():
            self.lock_idle()
        elif self.idle.touch_due():
            self.keep_alive()

    @desk_work(exclusive=True, group="keep-alive")  # type: ignore[type-var]  # Textual types `app` as App
    def keep_alive(self) -> None:
        """Keys pressed but no use case for a while: the server sees the session now."""
        self.touch_session()

    def lock_idle(self) -> None:
        """The sign-in screen covers every screen at once; the session is over (the server,
        asked for it, ends it as timed out and audits that). The screens stay beneath, so the
        same person signing in again is back where they were, forms and all."""
        from workbench.tui.screens.sign_in import SignInScreen

        if self.signed_in is None:
            return
        with contextlib.suppress(SessionExpired):
            self.usecases.sign_in.resume(self.signed_in.token)
        self._stop_listening.set()
        self.locked_for = self.signed_in.staff.id
        self.signed_in = None
        self.sub_title = ""
        self.push_screen(SignInScreen())
        self.notify(self.labels("sign_in.idle_locked"), severity="warning", markup=False)

    def _unlocked(self, signed_in: SignedIn) -> bool:
        """Signed in on the idle lock: the same person goes back to the screens beneath
        (True); anyone else starts afresh, none of them left."""
        locked_for, self.locked_for = self.locked_for, None
        if locked_for is None:
            return False
        if locked_for == signed_in.staff.id:
            self.pop_screen()
            return True
        while len(self.screen_stack) > 2:
            self.pop_screen()
        return False

    def report_error(self, error: Exception) -> None:
        """Show a service's message; an expired session sends the user back to sign in."""
        self.report_failure(error, "screen")

    def report_failure(self, error: BaseException, where: str) -> None:
        """Any failure of a use case: a typed error shows its message (an expired session sends
        the user back to sign in); anything else is logged with an incident id, which is all
        the screen shows."""
        typed, message = person_facing(error, where=where)
        message = self.labels.error(typed if typed is not None else WorkbenchError(message))
        if isinstance(typed, SessionExpired):
            if self.locked_for is None:  # locked: the screens beneath wait for the unlock
                self.end_session(message)
        else:
            self.notify(message, severity="error", markup=False, timeout=10)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """What slips past `desk_work`: a worker that raised is reported, not dropped."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_failure(event.worker.error, f"worker {event.worker.name}")

    # Calls --------------------------------------------------------------------------------------
    def _listen_for_calls(self, stop: threading.Event) -> None:
        """Screen pops: call events from the webhook server (LISTEN on PostgreSQL)."""

        def deliver(event: Mapping[str, object]) -> None:
            if not stop.is_set():
                self.call_from_thread(self.on_call_event, event)

        try:
            self.calls.listen(deliver, stop)
        except Exception:  # the database went away: pops stop, the rest of the app goes on
            log.warning("call events stopped", exc_info=True)

    def on_call_event(self, event: Mapping[str, object]) -> None:
        """A call came, was taken or ended: the home screen shows what is waiting; elsewhere
        a new call is announced."""
        from workbench.tui.screens.callback import CallbackScreen
        from workbench.tui.screens.home import HomeScreen

        self.call_bar_event(event)
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.load_calls()
        screen = self.screen
        if (
            event.get("type") == "member_leg"
            and isinstance(screen, CallbackScreen)
            and screen.call_id == event.get("call_id")
        ):
            screen.member_leg(str(event.get("status")))
        if event.get("type") == "agent_state" and self.signed_in is not None:
            self._my_state_changed(event)
        call_id = event.get("call_id")
        if (
            event.get("type") == "handed"
            and self.signed_in is not None
            and event.get("agent_id") == self.staff.id
            and isinstance(call_id, int)
        ):
            for screen in self.screen_stack:
                if isinstance(screen, HomeScreen):
                    screen.open_handed_call(call_id)
        if event.get("type") == "incoming" and not isinstance(self.screen, HomeScreen):
            self.notify(self.labels("call.incoming_toast"), markup=False)

    def _my_state_changed(self, event: Mapping[str, object]) -> None:
        """The signed-in agent's state changed: the home screen shows it, and a call that
        ended opens its wrap-up dialog."""
        from workbench.tui.screens.home import HomeScreen
        from workbench.tui.screens.wrap_up import WrapUpScreen
        from workbench.tui.widgets.agent_state import AgentStateLine

        if event.get("agent_id") != self.staff.id:
            return
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.query_one(AgentStateLine).load_state()
        call_id = event.get("call_id")
        opened = any(isinstance(screen, WrapUpScreen) for screen in self.screen_stack)
        if event.get("state") == "wrap_up" and isinstance(call_id, int) and not opened:
            self.push_screen(WrapUpScreen(call_id))

    def on_unmount(self) -> None:
        self._stop_listening.set()

    # Command palette ------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands, and every key of the current screen shown in the footer, so
        the palette (Ctrl+P) finds each action by its name. Not Textual's "Screenshot": a copy
        of the screen would be an unaudited copy of member data."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        seen = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not (binding.show and binding.description) or binding.action in seen:
                continue
            seen.add(binding.action)
            run = partial(self.call_later, self.run_action, binding.action, active.node)
            title = self.labels.key(binding.description)
            yield SystemCommand(title, f"{self.labels('palette.key')} {key}", run)

    # Screenshots ----------------------------------------------------------------------------------
    # Textual can save the screen as an SVG file; on this desk the screen may show revealed
    # member data, and a file would be a copy no audit log knows of. Every way in is refused.
    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.notify(self.labels("screenshot.refused"), severity="warning", markup=False)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        self.action_screenshot()
        return None

    def save_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str:
        raise WorkbenchError(self.labels("screenshot.refused"))

    # Actions --------------------------------------------------------------------------------------
    def action_help(self) -> None:
        from workbench.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_language(self) -> None:
        from workbench.tui.relabel import relabel_screen

        old = self.labels.language
        self.labels.toggle()
        self.title = self.labels("app.title")
        self._show_who()
        for screen in self.screen_stack:  # those beneath too: they show again as they are
            relabel_screen(screen, old, self.labels.language, reload=screen is self.screen)
            refresh = getattr(screen, "relabel", None)
            if refresh is not None:
                refresh()
        self.screen.refresh_bindings()  # the footer redraws its keys in the new language
        if self.signed_in is not None:
            self.remember_language(self.labels.language)

    @desk_work(exclusive=True, group="language")  # type: ignore[type-var]  # Textual types `app` as App
    def remember_language(self, language: str) -> None:
        """The choice is the staff member's: their next sign-in opens in it."""
        self.usecases.sign_in.remember_language(self.touch_session(), language)
