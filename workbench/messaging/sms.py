"""SMS through the twilio SDK's Messages API. Only this module and telephony import twilio.

Errors are sorted into what the dispatcher must do: retry later (429, 5xx, network), give up
(4xx such as 21211 invalid number, 21610 opted out), or look the message up before any resend
(the request may have reached Twilio when the answer timed out)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioRestException

from workbench.messaging.errors import SendError
from workbench.messaging.twilio_http import twilio_client

PHONE_LIKE = re.compile(r"\+?\d[\d ()-]{5,}\d")


@dataclass(frozen=True)
class Sent:
    provider_id: str
    status: str


class TwilioSms:
    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        status_callback: str | None = None,
        api_base: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("a from number or a Messaging Service SID is needed")
        self.client = twilio_client(account_sid, auth_token, api_base=api_base, timeout=timeout)
        self.http = self.client.http_client
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.sender_key = f"sms:{messaging_service_sid or from_number}"

    def send(self, to: str, body: str) -> Sent:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **sender, **extra)
        except TwilioRestException as error:
            raise self._classify(error) from None
        except requests.exceptions.ConnectTimeout:
            raise SendError("Twilio could not be reached (connect timeout)") from None
        except requests.exceptions.ConnectionError as error:
            if isinstance(
                error.__cause__, requests.exceptions.ReadTimeout
            ) or "Read timed out" in str(error):
                raise SendError("no answer from Twilio", ambiguous=True) from None
            raise SendError("Twilio could not be reached") from None
        except requests.exceptions.ReadTimeout:
            raise SendError("no answer from Twilio after sending", ambiguous=True) from None
        return Sent(message.sid, message.status)

    def _classify(self, error: TwilioRestException) -> SendError:
        status, code = error.status, error.code
        # Twilio's message may quote the recipient ("The 'To' number +86… is not valid"): it is
        # stored and logged, so any run of digits long enough to be a number is blanked out.
        text = f"Twilio {status} error {code}: {PHONE_LIKE.sub('[number]', str(error.msg))}"
        if status == 429 or status >= 500:
            retry_after = None
            headers = getattr(self.http.last, "headers", None) or {}
            if "Retry-After" in headers:
                try:
                    retry_after = float(headers["Retry-After"])
                except ValueError:
                    retry_after = None
            return SendError(text, retry_after=retry_after, code=code)
        return SendError(text, permanent=True, code=code)

    def find_sent(self, to: str, body: str, since: datetime) -> str | None:
        """The SID of a message to `to` with this body sent since `since`, if Twilio has one."""
        try:
            for message in self.client.messages.list(
                to=to, date_sent_after=since - timedelta(minutes=5)
            ):
                if message.body == body:
                    sid: str = message.sid
                    return sid
        except TwilioRestException as error:
            raise self._classify(error) from None
        except requests.exceptions.RequestException:
            raise SendError("Twilio could not be reached to check a send") from None
        return None
