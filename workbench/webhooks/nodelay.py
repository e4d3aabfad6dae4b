"""uvicorn's HTTP protocol with Nagle's algorithm off on every connection.

With `--workers`, uvicorn binds the listening socket itself (protocol 0, not IPPROTO_TCP), and
asyncio then leaves TCP_NODELAY unset on the connections it accepts: a response written in two
parts waits for the client's delayed ACK, 40 ms on Linux, on every webhook (measured: 44 ms a
request with two workers, 0.9 ms with one)."""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    # asyncio.Protocol takes any BaseTransport; uvicorn's protocol (and so this) a Transport.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
