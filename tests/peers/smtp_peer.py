"""An SMTP server (aiosmtpd) on loopback that counts what it accepted by Message-ID and can
inject the faults real relays give: a code at RCPT for an address (421, 451, 550), a hang-up
after it accepted a message (stored, but no 250 reaches the client), a drop after DATA (not
stored), and a delay per message (to kill a sender mid-batch)."""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter, deque
from email.message import Message

from aiosmtpd.controller import Controller

from tests.peers.fixtures import free_port


class CountingSmtp:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.port = free_port()
        self.delay = delay  # seconds before each 250
        self.received: list[Message] = []  # every message accepted (stored), in order
        self.rcpt_codes: dict[str, deque[str]] = {}  # address -> replies to give at RCPT
        self.data_faults: deque[str] = deque()  # "hangup" (stored) or "drop" (not stored)
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> CountingSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def refuse(self, address: str, *replies: str) -> None:
        """The next RCPT TO for `address` gets these replies in turn (e.g. "550 5.1.1 no")."""
        self.rcpt_codes.setdefault(address, deque()).extend(replies)

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(m["Message-ID"] for m in self.received)

    # aiosmtpd hooks ------------------------------------------------------------------------------
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.rcpt_codes.get(address)
        if replies:
            return replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = self.data_faults.popleft() if self.data_faults else None
        if fault == "drop":
            server.transport.close()
            return "421 closing"
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content))
        if self.delay:
            await asyncio.sleep(self.delay)
        if fault == "hangup":
            server.transport.close()
            return "421 closing"
        return "250 OK"
