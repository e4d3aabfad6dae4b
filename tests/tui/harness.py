"""One harness for the TUI tests: the app under a Pilot, with every message it handled, so a test
waits for the event it needs — a worker's `WorkDone`, a screen being shown — instead of polling
widgets or sleeping. Timeouts are bounds on a wait, never a delay.

    async with open_desk() as desk:
        await desk.sign_in("agent")
        await desk.pilot.press("f7")
        await desk.done("load")
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from workbench.tui.app import WorkbenchApp
from workbench.tui.work import WorkDone

PASSWORD = "password1"
WAIT = 15.0  # seconds: a bound for a slow CI machine, not a pause


@dataclass
class Desk:
    app: WorkbenchApp
    pilot: Pilot | None = None
    handled: list[Message] = field(default_factory=list)
    _ids: set[int] = field(default_factory=set)
    _taken: set[int] = field(default_factory=set)  # indexes of the messages already awaited
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def hook(self, message: Message) -> None:
        """Textual's message hook: called for each message a pump dispatches (a bubbling
        message once per pump, so it is kept once)."""
        if id(message) not in self._ids:
            self._ids.add(id(message))
            self.handled.append(message)
            self._arrived.set()

    async def done(self, *names: str, timeout: float = WAIT) -> WorkDone:
        """The next `WorkDone` of a worker named one of `names` (any name if none), after those
        not awaited yet; then the app has settled, so what the worker showed is on screen."""
        assert self.pilot is not None
        found = await self._next(
            lambda m: isinstance(m, WorkDone) and (not names or m.name in names),
            f"a worker {names or ''} to finish",
            timeout,
        )
        await self.pilot.pause()
        assert isinstance(found, WorkDone)
        return found

    async def shown(self, screen_type: type[Screen], timeout: float = WAIT) -> Screen:
        """Waits until the active screen is a `screen_type` and returns it."""
        assert self.pilot is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not isinstance(self.app.screen, screen_type):
            self._arrived.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"{screen_type.__name__} not shown; {self.app.screen!r} is")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                continue
        await self.pilot.pause()
        return self.app.screen

    async def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Types the credentials on the sign-in screen and waits for the sign-in to finish."""
        assert self.pilot is not None
        self.app.screen.query_one("#username", Input).value = ""
        await self.pilot.click("#username")
        await self.pilot.press(*username)
        await self.pilot.click("#password")
        await self.pilot.press(*password, "enter")
        await self.done("sign_in")

    def notifications(self) -> list[str]:
        """What the app has told the person so far, oldest first."""
        return [m.notification.message for m in self.handled if isinstance(m, Notify)]

    async def notified(self, text: str, timeout: float = WAIT) -> str:
        """Waits for a notification containing `text` and returns it whole."""
        found = await self._next(
            lambda m: isinstance(m, Notify) and text in m.notification.message,
            f"a notification saying {text!r}",
            timeout,
        )
        assert isinstance(found, Notify)
        return found.notification.message

    async def _next(self, wanted: Callable[[Message], bool], what: str, timeout: float) -> Message:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, message in enumerate(self.handled):
                if index not in self._taken and wanted(message):
                    self._taken.add(index)
                    return message
            self._arrived.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                continue


@asynccontextmanager
async def running(app: WorkbenchApp, size: tuple[int, int] = (100, 30)) -> AsyncIterator[Desk]:
    desk = Desk(app)
    async with app.run_test(size=size, message_hook=desk.hook) as pilot:
        desk.pilot = pilot
        yield desk
