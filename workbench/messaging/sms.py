"""SMS through the twilio SDK's Messages API. Only this module and telephony import twilio.

Errors are sorted into what the dispatcher must do: retry later (429, 5xx, network), give up
(4xx such as 21211 invalid number, 21610 opted out), or look the message up before any resend
(the request may have reached Twilio when the answer timed out)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from twilio.base.exceptions import TwilioRestException
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from workbench.messaging.errors import SendError
from workbench.messaging.twilio_http import TWILIO_API, twilio_client

PHONE_LIKE = re.compile(r"\+?\d[\d ()-]{5,}\d")
CLOCK_SKEW = timedelta(minutes=2)  # between our clock and the date_created Twilio stamps
MAX_LOOKUP_PAGES = 20


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
        self.account_sid, self.auth_token = account_sid, auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.sender_key = f"sms:{messaging_service_sid or from_number}"

    def callback_for(self, row: int) -> str | None:
        """The status-callback URL for one outbox row: the row id rides in it, so a callback
        (even one that comes before the SID is recorded) and a look-up can name the row."""
        if not self.status_callback:
            return None
        return f"{self.status_callback}{'&' if '?' in self.status_callback else '?'}row={row}"

    def send(self, to: str, body: str, *, row: int | None = None) -> Sent:
        sender = (
            {"messaging_service_sid": self.messaging_service_sid}
            if self.messaging_service_sid
            else {"from_": self.from_number}
        )
        callback = self.callback_for(row) if row is not None else self.status_callback
        extra = {"status_callback": callback} if callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **sender, **extra)
        except TwilioRestException as error:
            raise self._classify(error) from None
        except requests.exceptions.RequestException as error:
            raise self._unreached_or_ambiguous(error) from None
        return Sent(message.sid, message.status)

    @staticmethod
    def _unreached_or_ambiguous(error: requests.exceptions.RequestException) -> SendError:
        """Only a failure before the request was written is safe to resend blind: a refused or
        timed-out connect. A hang-up, a reset or a read timeout after the body went may follow a
        message Twilio accepted: ambiguous, looked up before any resend."""
        if isinstance(error, requests.exceptions.ConnectTimeout):
            return SendError("Twilio could not be reached (connect timeout)")
        if isinstance(error, requests.exceptions.ConnectionError) and not isinstance(
            error, requests.exceptions.ReadTimeout
        ):
            reason = error.args[0] if error.args else None
            inner = getattr(reason, "reason", reason)
            if isinstance(inner, (NewConnectionError, ConnectTimeoutError)):
                return SendError("Twilio could not be reached")
        return SendError(
            f"no clear answer from Twilio after sending ({type(error).__name__})", ambiguous=True
        )

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
            # 429 is never processed; a 5xx may come after Twilio stored the message.
            return SendError(
                text,
                retry_after=retry_after,
                code=code,
                throttled=status == 429,
                ambiguous=status >= 500,
            )
        return SendError(text, permanent=True, code=code)

    def find_sent(
        self,
        to: str,
        body: str,
        since: datetime,
        *,
        row: int | None = None,
        taken: Callable[[list[str]], set[str]] = lambda sids: set(),
    ) -> str | None:
        """The SID of the message this row sent, if Twilio has it: to `to`, this body, created
        since `since` (less a clock skew), still queued or not (no DateSent filter: a queued
        message has none), carrying this row's status-callback URL where Twilio shows it, and
        not a SID another row holds (`taken` says which of a list are). The oldest such."""
        marker = self.callback_for(row) if row is not None else None
        floor = since - CLOCK_SKEW
        candidates: list[tuple[datetime, str]] = []
        params: dict[str, str] = {"To": to, "PageSize": "100"}
        if self.from_number:
            params["From"] = self.from_number
        url: str | None = f"{TWILIO_API}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            for _page in range(MAX_LOOKUP_PAGES):
                if url is None:
                    break
                response = self.http.request(
                    "GET", url, params=params, auth=(self.account_sid, self.auth_token)
                )
                if response.status_code >= 400:
                    raise SendError(
                        f"Twilio {response.status_code} while checking a send",
                        throttled=response.status_code == 429,
                    )
                page = json.loads(response.text)
                older = False
                for message in page.get("messages", []):
                    created = _twilio_time(message.get("date_created"))
                    if created is None or created < floor:
                        older = True
                        continue
                    if message.get("to") != to or message.get("body") != body:
                        continue
                    echoed = message.get("status_callback")
                    if marker and echoed is not None and echoed != marker:
                        continue  # another row's message with the same words
                    candidates.append((created, message["sid"]))
                next_uri = page.get("next_page_uri")
                url = f"{TWILIO_API}{next_uri}" if next_uri and not older else None
                params = {}
        except requests.exceptions.RequestException:
            raise SendError("Twilio could not be reached to check a send") from None
        except (ValueError, KeyError):
            raise SendError("Twilio's message list could not be read") from None
        if not candidates:
            return None
        held = taken([sid for _, sid in candidates])
        for _, sid in sorted(candidates):
            if sid not in held:
                return sid
        return None


def _twilio_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
