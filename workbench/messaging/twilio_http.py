"""The twilio SDK's REST client, as both messaging and telephony build it."""

from __future__ import annotations

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"


# twilio ships no py.typed, so mypy sees its classes as Any
class RecordingHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Keeps the last response (its Retry-After header is not on TwilioRestException), and may
    send the SDK's requests to another base URL (a local test peer), paging links included."""

    def __init__(self, base_url: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.last: Response | None = None

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        self.last = None
        self.last = super().request(method, url, *args, **kwargs)
        return self.last


def twilio_client(
    account_sid: str, auth_token: str, *, api_base: str | None = None, timeout: float = 10.0
) -> Client:
    return Client(account_sid, auth_token, http_client=RecordingHttpClient(api_base, timeout))
