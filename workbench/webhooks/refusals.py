"""The ways the webhook server refuses a request: each carries its HTTP status and a short reason
that says what was wrong (never a value from the request, which may be personal data)."""

from __future__ import annotations


class RequestRefused(Exception):
    status = 400
    # Refusals that leave part of the request unread end the connection: what follows on it
    # would be read as the next request.
    close = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRequest(RequestRefused):
    status = 400


class BodyTooLarge(RequestRefused):
    status = 413
    close = True

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the request body is larger than {max_bytes} bytes")


class BodyTimeout(RequestRefused):
    status = 408
    close = True

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request body did not arrive within {seconds:g} seconds")
