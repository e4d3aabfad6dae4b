"""Calls through the twilio SDK's Calls API: dial an agent's leg for a callback, redirect a
live call (taking it from the queue to an agent, transferring it, holding and resuming it), and
hang one up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import requests
from twilio.base.exceptions import TwilioRestException

from workbench.errors import WorkbenchError
from workbench.messaging.twilio_http import twilio_client

Result = TypeVar("Result")


class TelephonyError(WorkbenchError):
    pass


class VoiceClient(Protocol):
    """What the call desk asks of Twilio's Calls API (TwilioVoice; the demo plays it too)."""

    def call(self, *, to: str, from_: str, url: str, status_callback: str) -> str: ...

    def redirect(self, call_sid: str, url: str) -> None: ...

    def hang_up(self, call_sid: str) -> None: ...


class TwilioVoice:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        api_base: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.client = twilio_client(account_sid, auth_token, api_base=api_base, timeout=timeout)

    def call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Start a call; Twilio fetches `url` for its TwiML when it is answered."""
        sid: str = self._do(
            "place the call",
            lambda: (
                self.client.calls.create(
                    to=to,
                    from_=from_,
                    url=url,
                    method="POST",
                    status_callback=status_callback,
                    status_callback_method="POST",
                    status_callback_event=["initiated", "ringing", "answered", "completed"],
                ).sid
            ),
        )
        return sid

    def redirect(self, call_sid: str, url: str) -> None:
        """Give a live call new TwiML (it leaves a queue, or what it was doing)."""
        self._do(
            "redirect the call", lambda: self.client.calls(call_sid).update(url=url, method="POST")
        )

    def hang_up(self, call_sid: str) -> None:
        """End a live call (Twilio then sends its "completed" status callback)."""
        self._do("end the call", lambda: self.client.calls(call_sid).update(status="completed"))

    @staticmethod
    def _do(what: str, action: Callable[[], Result]) -> Result:
        try:
            return action()
        except TwilioRestException as error:
            raise TelephonyError(
                f"Twilio could not {what}: {error.status} error {error.code}"
            ) from None
        except requests.RequestException:
            raise TelephonyError(f"Twilio could not be reached to {what}") from None
