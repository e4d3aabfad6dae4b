"""The idle lock: when the session's idle timeout passes, the desk locks at once (a timer checks
every second), not at the next key, so member data never stays on an unattended screen.

Activity is a key, a click or a use case called for the person (`WorkbenchApp.touch_session`);
the server ends the same session after the same timeout from its last use case. Keys alone do
not reach the server, so while someone types or reads without calling one, the watch touches the
session for them now and then, and the two clocks never disagree about who is idle."""

from __future__ import annotations

from datetime import timedelta

from workbench.clock import Clock

KEEP_ALIVE = timedelta(minutes=1)  # how stale the server's view may get while keys are pressed


class IdleWatch:
    def __init__(self, clock: Clock, timeout: timedelta) -> None:
        self.clock = clock
        self.timeout = timeout
        self.last_activity = clock.now()
        self.last_touch = self.last_activity  # the server last saw the session then

    def active(self) -> None:
        """A key or a click."""
        self.last_activity = self.clock.now()

    def touched(self) -> None:
        """A use case ran for the person: the server saw the session just now."""
        self.last_touch = self.last_activity = self.clock.now()

    def idle(self) -> bool:
        return self.clock.now() - self.last_activity >= self.timeout

    def touch_due(self) -> bool:
        """Whether to touch the session for keys pressed since the server last saw it, a
        while ago; once said, not again until the next while (the touch is under way)."""
        now = self.clock.now()
        if self.last_activity > self.last_touch and now - self.last_touch >= KEEP_ALIVE:
            self.last_touch = now
            return True
        return False
