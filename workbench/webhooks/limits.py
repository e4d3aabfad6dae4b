"""The webhook server's limits, so that nobody who can reach it can hold its memory or its
connections: a request's body is capped (413: refused from its Content-Length before a byte of
it is read, a chunked body cut off once it grows past the cap), the headers and the body must
each arrive in time (408, then the connection is closed: slow-loris), and beyond a number of
connections uvicorn answers 503.

uvicorn has the concurrency limit (`limit_concurrency`), a header size limit
(`h11_max_incomplete_event_size`) and an idle keep-alive timeout, but no deadline for a request's
headers or body: the headers' deadline is kept by the connection's protocol (a subclass of
uvicorn's h11 one), the body's and the body cap by an ASGI middleware in front of the app."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.webhooks.nodelay import NoDelayH11Protocol
from workbench.webhooks.refusals import BodyTimeout, BodyTooLarge, RequestRefused

if TYPE_CHECKING:
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from workbench.settings import Settings

MAX_HEADER_BYTES = 16 * 1024  # Twilio's headers are well under 2 KiB
_LATE = b"the request headers did not arrive in time"
REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\n"
    b"connection: close\r\n\r\n%s" % (len(_LATE), _LATE)
)


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 64 * 1024
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_connections: int = 100

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_body_bytes=settings.webhooks_max_body_bytes,
            header_timeout=settings.webhooks_header_timeout_seconds,
            body_timeout=settings.webhooks_body_timeout_seconds,
            max_connections=settings.webhooks_max_connections,
        )


def uvicorn_options(limits: Limits) -> dict[str, Any]:
    """uvicorn's options that keep the limits (for `uvicorn.run` or `uvicorn.Config`). The
    protocol goes in as a partial: picklable, so `--workers` processes get it with its timeout."""
    return {
        "http": functools.partial(LimitedH11Protocol, header_timeout=limits.header_timeout),
        "ws": "none",
        # uvicorn counts the connection asking among the open ones: one more lets
        # max_connections be served at once, and answers 503 to the next.
        "limit_concurrency": limits.max_connections + 1,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


class BodyLimits:
    """ASGI middleware: the body cap and the body's deadline (from the headers' arrival). A
    declared length over the cap is answered here, unread; otherwise the app's `receive` raises
    BodyTooLarge or BodyTimeout, for the app to answer (the webhook endpoints do)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await refuse(send, BodyTooLarge(self.max_bytes))
            return
        deadline = asyncio.get_running_loop().time() + self.timeout
        received = 0
        complete = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, complete
            if complete:  # the body is in: what follows is the wait for a disconnect
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeout(self.timeout) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
                complete = not message.get("more_body", False)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except RequestRefused as refusal:  # an app that let it through unanswered
            if started:
                raise
            await refuse(send, refusal)


async def refuse(send: Send, refusal: RequestRefused) -> None:
    body = refusal.reason.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if refusal.close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:  # h11 refuses these before the app; defensive
                return None
    return None


class LimitedH11Protocol(NoDelayH11Protocol):
    """uvicorn's h11 protocol (Nagle off) with a deadline for each request's headers, from the
    connection's start or the previous response's end: past it, 408 and the connection closes.
    (uvicorn's keep-alive timeout only closes a connection that sends nothing at all, and only
    after a first response; one that trickles a header byte now and then is held for ever.)"""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_timeout: float = 10.0,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # a request's headers are complete
            self._headers_arrived()

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        if self.cycle is cycle:
            self._await_headers()
        else:  # a pipelined request was waiting, and has begun
            self._headers_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._headers_arrived()
        if not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_arrived(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered
        self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()
