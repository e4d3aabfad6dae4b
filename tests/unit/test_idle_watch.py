"""The idle watch: idle once the timeout has passed since the last key or use case; keys pressed
since the server last saw the session ask for one touch a minute, not one a second."""

from datetime import UTC, datetime, timedelta

from workbench.clock import FixedClock
from workbench.tui.idle import KEEP_ALIVE, IdleWatch

TIMEOUT = timedelta(minutes=15)


def test_idle_after_the_timeout_since_the_last_key_or_use_case():
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    watch = IdleWatch(clock, TIMEOUT)
    clock.advance(TIMEOUT - timedelta(seconds=1))
    assert not watch.idle()
    watch.active()
    clock.advance(TIMEOUT - timedelta(seconds=1))
    assert not watch.idle()
    watch.touched()
    clock.advance(TIMEOUT)
    assert watch.idle()


def test_keys_ask_for_a_touch_once_a_while():
    clock = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    watch = IdleWatch(clock, TIMEOUT)
    clock.advance(seconds=10)
    watch.active()
    assert not watch.touch_due()  # the server saw the session 10 s ago
    clock.advance(KEEP_ALIVE)
    assert watch.touch_due()
    assert not watch.touch_due()  # asked once: the touch is under way
    clock.advance(KEEP_ALIVE)
    assert not watch.touch_due()  # no key since
