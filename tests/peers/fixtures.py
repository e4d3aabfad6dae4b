"""Fixtures that start the real protocol peers on loopback: an SMTP server (aiosmtpd) and the
Twilio-compatible HTTP peer."""

import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from tests.peers.twilio_peer import TwilioPeer


class Inbox(MessageHandler):
    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def twilio_peer():
    with TwilioPeer() as peer:
        yield peer


class UvicornThread:
    """An ASGI app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "UvicornThread":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        # The test is over: stop without waiting out open connections (keep-alive, trickled
        # bodies), which made each test wait about half a second for its server to stop.
        self.server.should_exit = self.server.force_exit = True
        self.thread.join(timeout=10)


class TwilioWebhooks:
    """Posts webhooks to our server as Twilio does: a form, signed with the auth token over
    the public URL the number is configured with (not the address the server listens on)."""

    def __init__(self, server_url: str, public_url: str, auth_token: str) -> None:
        from twilio.request_validator import RequestValidator

        self.server_url = server_url
        self.public_url = public_url
        self.validator = RequestValidator(auth_token)

    def sign(self, path: str, params: dict) -> str:
        return self.validator.compute_signature(self.public_url + path, params)

    def post(
        self,
        path: str,
        params: dict,
        *,
        signature: str | None = "sign",
        headers: dict | None = None,
        data=None,
    ):
        import requests

        sent = dict(headers or {})
        if signature == "sign":
            sent["X-Twilio-Signature"] = self.sign(path, params)
        elif signature is not None:
            sent["X-Twilio-Signature"] = signature
        return requests.post(
            self.server_url + path, data=params if data is None else data, headers=sent, timeout=10
        )


PUBLIC = "https://hotline.example.com"  # the URL Twilio is configured with (and signs)
HOTLINE = "+862160000000"


@pytest.fixture
def telephony(wb, twilio_peer):
    """The telephony edge of the test workbench, its Calls API pointed at the Twilio peer."""
    from pydantic import SecretStr

    from workbench.bootstrap import build_telephony

    wb.settings = wb.settings.model_copy(
        update={
            "telephony_public_url": PUBLIC,
            "telephony_hotline_number": HOTLINE,
            "twilio_account_sid": twilio_peer.account_sid,
            "twilio_api_base": twilio_peer.url,
            "twilio_auth_token": SecretStr(twilio_peer.auth_token),
        }
    )
    from workbench.usecases import build_usecases

    wb.telephony = build_telephony(wb)
    wb.usecases = build_usecases(wb, wb.telephony)
    return wb.telephony


@pytest.fixture
def twilio(telephony, twilio_peer, wb):
    """Twilio's side of the webhooks, posting to our server running under uvicorn."""
    from workbench.webhooks.server import create_app

    app = create_app(telephony, wb, auth_token=twilio_peer.auth_token, public_url=PUBLIC)
    with UvicornThread(app) as server:
        yield TwilioWebhooks(server.url, PUBLIC, twilio_peer.auth_token)
