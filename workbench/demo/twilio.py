"""The demo's Twilio: it plays the telephone network for the calls the demo rings, through the
same handlers the webhook server runs when Twilio posts (telephony/hotline.py). A demo call is
answered (status callbacks "ringing" and "in-progress"), an agent's take or resume dials the
agent, whose softphone answers at once (the agent leg's "ringing" and "in-progress"), a hold
fetches the hold TwiML, a transfer the queue's, and a hang-up ends the call with Twilio's
"completed" status callback, which moves the agent to wrap-up. Calls it did not ring go to the
real Calls API client, where one is configured."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

from workbench.telephony.voice import TelephonyError, VoiceClient

if TYPE_CHECKING:
    from workbench.bootstrap import Telephony
    from workbench.clock import Clock
    from workbench.telephony.hotline import Hotline

log = logging.getLogger(__name__)


class DemoTwilio:
    def __init__(self, hotline: Hotline, clock: Clock, real: VoiceClient | None) -> None:
        self.hotline = hotline
        self.clock = clock
        self.real = real  # the configured Calls API, for calls the demo did not ring
        self._answered: dict[str, datetime] = {}  # the demo's calls: when they were answered
        self._lock = threading.Lock()

    # The network's side of a demo call ---------------------------------------------------------
    def answer(self, call_sid: str) -> None:
        """The hotline's number answers the demo call: Twilio's status callbacks."""
        with self._lock:
            self._answered[call_sid] = self.clock.now()
        self.hotline.status(call_sid=call_sid, status="ringing", duration="")
        self.hotline.status(call_sid=call_sid, status="in-progress", duration="")

    # The Calls API -----------------------------------------------------------------------------
    def call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        if self.real is not None:
            return self.real.call(to=to, from_=from_, url=url, status_callback=status_callback)
        raise TelephonyError("the demo has no telephone network for calls out: dial by hand")

    def redirect(self, call_sid: str, url: str) -> None:
        if not self._ours(call_sid):
            return self._real().redirect(call_sid, url)
        parsed = urlparse(url)
        call_id = int(parse_qs(parsed.query)["call"][0])
        hotline = self.hotline
        if parsed.path == "/voice/connect":  # the caller's leg dials the agent, who answers
            hotline.connect_agent(call_id=call_id)
            hotline.agent_leg(call_id=call_id, status="ringing")
            hotline.agent_leg(call_id=call_id, status="in-progress")
        elif parsed.path == "/voice/hold":
            hotline.on_hold(call_id=call_id)
        elif parsed.path == "/voice/transfer":
            hotline.transferred(call_id=call_id)
        else:
            log.info("demo call: no part played for a redirect to %s", parsed.path)
        return None

    def hang_up(self, call_sid: str) -> None:
        if not self._ours(call_sid):
            return self._real().hang_up(call_sid)
        with self._lock:
            answered = self._answered.pop(call_sid)
        seconds = max(int((self.clock.now() - answered).total_seconds()), 0)
        self.hotline.status(call_sid=call_sid, status="completed", duration=str(seconds))
        return None

    def _ours(self, call_sid: str) -> bool:
        with self._lock:
            return call_sid in self._answered

    def _real(self) -> VoiceClient:
        if self.real is None:
            raise TelephonyError("no Twilio account is configured for this call")
        return self.real


_install = threading.Lock()


def demo_twilio(telephony: Telephony) -> DemoTwilio:
    """The demo's Twilio, standing in front of the call desk's Calls API client (once)."""
    with _install:
        voice = telephony.desk.voice
        if isinstance(voice, DemoTwilio):
            return voice
        fake = DemoTwilio(telephony.hotline, telephony.hotline.clock, voice)
        telephony.desk.voice = fake
        return fake
