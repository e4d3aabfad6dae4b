"""One harness for the TUI tests: the app under a Pilot, with every message the app handled, so a
test waits for the event it needs — a worker's `WorkDone`, a screen being shown, a notification —
instead of polling widgets or sleeping. Timeouts are bounds on a wait, never a delay.

    async with running(WorkbenchApp(wb)) as desk:
        await desk.sign_in("supervisor")      # signed in, the first screen loaded
        await desk.press("f7")                # marks, then presses
        await desk.done("load")               # the list's worker, started by that key

A wait looks at what arrived since the last mark (`press`, `click` and `sign_in` mark first;
call `mark()` before acting any other way), so a worker finishing before the wait begins is
not missed, and one left over from an earlier step is not taken for the step's own. Snapshot
tests attach a desk to the pilot of their `run_before` (`Desk.attach`).
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
from textual.widgets import Input, TextArea

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.sign_in import SignInScreen
from workbench.tui.screens.statistics import StatisticsScreen
from workbench.tui.work import WorkDone

PASSWORD = "password1"
WAIT = 15.0  # seconds: a bound for a slow CI machine, not a pause

# What each first screen loads when it opens: signed in means these have finished.
FIRST_LOADS: dict[type[Screen], tuple[str, ...]] = {
    HomeScreen: ("load_grants", "load_calls"),
    StatisticsScreen: ("load",),
}


@dataclass
class Desk:
    app: WorkbenchApp
    pilot: Pilot
    handled: list[Message] = field(default_factory=list)
    _taken: set[int] = field(default_factory=set)  # indexes of the messages already awaited
    _mark: int = 0  # waits look at the messages from this index on
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def attach(cls, pilot: Pilot) -> Desk:
        """A desk on a running app: it sees each message once the app has handled it (a
        worker's `WorkDone` bubbles up to the app, a notification is posted to it) and wakes
        on each change of screen. Public signals, so it works under `snap_compare` too."""
        app = pilot.app
        assert isinstance(app, WorkbenchApp)
        desk = cls(app, pilot)
        app.message_signal.subscribe(app, desk._handled, immediate=True)
        app.screen_change_signal.subscribe(app, desk._screen_changed, immediate=True)
        return desk

    def _handled(self, message: Message) -> None:
        self.handled.append(message)
        self._arrived.set()

    def _screen_changed(self, _screen: Screen) -> None:
        self._arrived.set()

    # Acting -------------------------------------------------------------------------------------
    def mark(self) -> None:
        """From here on, waits look only at what happens next: call it before acting."""
        self._mark = len(self.handled)

    async def press(self, *keys: str) -> None:
        self.mark()
        await self.pilot.press(*keys)

    async def click(self, selector: str) -> None:
        self.mark()
        await self.pilot.click(selector)

    async def fill(self, selector: str, text: str) -> None:
        """Puts `text` in an input and the cursor there, as if typed: typing it key by key
        costs two idle waits a key, a second or two per form."""
        field = self.app.screen.query_one(selector, Input)
        field.value = text
        field.focus()
        await self.pilot.pause()

    async def sign_in(self, username: str, password: str = PASSWORD, typed: bool = False) -> None:
        """Fills in (or, `typed`, types) the credentials on the sign-in screen, presses Enter
        and waits for the sign-in; when it succeeds, for the first screen and what it loads
        when it opens."""
        self.app.screen.query_one("#username", Input).value = ""
        if typed:
            await self.click("#username")
            await self.pilot.press(*username)
            await self.pilot.click("#password")
            await self.pilot.press(*password, "enter")
        else:
            await self.fill("#username", username)
            await self.fill("#password", password)
            await self.press("enter")
        # Refused, the form stays and says why. Signed in, the sign-in screen is replaced, and
        # the worker's `WorkDone`, posted to that screen, is lost if it closes first.
        start = self._mark

        def signed_in_or_refused() -> bool:
            return not isinstance(self.app.screen, SignInScreen) or any(
                isinstance(m, WorkDone) and m.name == "sign_in" for m in self.handled[start:]
            )

        await self._until(signed_in_or_refused, "the sign-in")
        if self.app.signed_in is None:
            return
        screen = await self.shown_other_than(SignInScreen)
        if loads := FIRST_LOADS.get(type(screen)):
            await self.done(*loads)

    # Waiting ------------------------------------------------------------------------------------
    async def done(self, *names: str, timeout: float = WAIT) -> WorkDone:
        """Waits for a `WorkDone` of each of the workers `names` since the mark (one not
        awaited yet), then for the app to settle, so what they showed is on screen. Returns
        the last to arrive."""
        assert names, "which workers?"
        found: list[tuple[int, WorkDone]] = []
        for name in names:
            index, message = await self._next(
                lambda m, name=name: isinstance(m, WorkDone) and m.name == name,
                f"the worker {name!r} to finish",
                timeout,
            )
            assert isinstance(message, WorkDone)
            found.append((index, message))
        await self.pilot.pause()
        return max(found, key=lambda pair: pair[0])[1]

    async def done_until(
        self, name: str, condition: Callable[[], bool], what: str, timeout: float = WAIT
    ) -> None:
        """Waits for runs of the worker `name` (a refresh that repeats: a poll, an event) until
        `condition` holds after one of them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; {self._state()}")
            await self.done(name, timeout=left)

    async def shown_other_than(self, screen_type: type[Screen], timeout: float = WAIT) -> Screen:
        """Waits until the active screen is not a `screen_type` (it has been replaced)."""
        return await self._until(
            lambda: not isinstance(self.app.screen, screen_type),
            f"a screen other than {screen_type.__name__}",
            timeout,
        )

    async def shown(self, screen_type: type[Screen], timeout: float = WAIT) -> Screen:
        """Waits until the active screen is a `screen_type` and returns it."""
        return await self._until(
            lambda: isinstance(self.app.screen, screen_type), screen_type.__name__, timeout
        )

    def notifications(self) -> list[str]:
        """What the app has told the person so far, oldest first."""
        return [m.notification.message for m in self.handled if isinstance(m, Notify)]

    async def notified(self, text: str, timeout: float = WAIT) -> str:
        """Waits for a notification containing `text` (since the mark) and returns it whole."""
        _, found = await self._next(
            lambda m: isinstance(m, Notify) and text in m.notification.message,
            f"a notification saying {text!r}",
            timeout,
        )
        assert isinstance(found, Notify)
        return found.notification.message

    async def at_rest(self, timeout: float = WAIT) -> None:
        """Before a snapshot, once the workers it shows are done: cursors stop blinking (the
        picture must not depend on the moment), then two pictures an idle round apart are
        the same, so none is a frame caught between a table's rows and its column widths."""
        for widget in self.app.screen.query(Input):
            widget.cursor_blink = False
        for area in self.app.screen.query(TextArea):
            area.cursor_blink = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.pilot.pause()
        previous = self.app.export_screenshot()
        while loop.time() < deadline:
            await self.pilot.pause()
            current = self.app.export_screenshot()
            if current == previous:
                return
            previous = current
        raise AssertionError("the screen did not come to rest")

    async def _until(
        self, condition: Callable[[], bool], what: str, timeout: float = WAIT
    ) -> Screen:
        """Re-checks `condition` on each message and change of screen; then settles."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            self._arrived.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; {self._state()}")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                continue
        await self.pilot.pause()
        return self.app.screen

    async def _next(
        self, wanted: Callable[[Message], bool], what: str, timeout: float
    ) -> tuple[int, Message]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index in range(self._mark, len(self.handled)):
                if index not in self._taken and wanted(self.handled[index]):
                    self._taken.add(index)
                    return index, self.handled[index]
            self._arrived.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; {self._state()}")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                continue

    def _state(self) -> str:
        """What a timed-out wait reports: where the app is and what it did since the mark."""
        since = self.handled[self._mark :]
        workers = [
            f"{m.name}{' (failed)' if m.failed else ''}" for m in since if isinstance(m, WorkDone)
        ]
        told = [m.notification.message for m in since if isinstance(m, Notify)]
        return (
            f"{self.app.screen!r} is shown, {self.app.focused!r} focused; since the mark, "
            f"workers done: {workers}, notifications: {told}"
        )


@asynccontextmanager
async def running(app: WorkbenchApp, size: tuple[int, int] = (100, 30)) -> AsyncIterator[Desk]:
    """The app under a Pilot, with a desk attached."""
    async with app.run_test(size=size) as pilot:
        yield Desk.attach(pilot)
