"""The webhook server's limits, against a real uvicorn on loopback started with the options
`workbench telephony serve` uses: a body over the cap is refused before it is read (the answer
comes while the client has sent only the headers), a chunked one is cut off at the cap, the
headers and the body must arrive in time, connections beyond the limit get 503, and a field
Twilio would never send is a 400 (never a 500), on SQLite and PostgreSQL."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from urllib.parse import urlencode

import pytest
import uvicorn
from sqlalchemy import func, select

from tests.peers.fixtures import HOTLINE, PUBLIC, TwilioWebhooks, free_port
from workbench.telephony.models import Call
from workbench.webhooks.limits import Limits, uvicorn_options
from workbench.webhooks.server import create_app

SID = "CA" + "3" * 32
CAP = 2048
LIMITS = Limits(max_body_bytes=CAP, header_timeout=5, body_timeout=5, max_connections=2)
SHORT = Limits(max_body_bytes=CAP, header_timeout=0.5, body_timeout=0.5, max_connections=2)


class Served:
    """The app under uvicorn with the server's limits, in a thread."""

    def __init__(self, app, limits: Limits) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            **uvicorn_options(limits),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Served":
        self.thread.start()
        self.wait_for(lambda: self.server.started, "uvicorn did not start")
        return self

    def __exit__(self, *exc) -> None:
        # The test is over: stop without waiting out open connections (keep-alive, trickled
        # bodies), which made each test wait about half a second for its server to stop.
        self.server.should_exit = self.server.force_exit = True
        self.thread.join(timeout=10)

    @property
    def connections(self) -> int:
        return len(self.server.server_state.connections)

    @staticmethod
    def wait_for(condition, failure: str) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(failure)
            time.sleep(0.005)

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


@pytest.fixture
def serve(telephony, wb, twilio_peer):
    """Starts the server with the given limits (for the test's length)."""
    with contextlib.ExitStack() as stack:

        def start(limits: Limits) -> Served:
            app = create_app(
                telephony, wb, auth_token=twilio_peer.auth_token, public_url=PUBLIC, limits=limits
            )
            server = stack.enter_context(Served(app, limits))
            server.signer = TwilioWebhooks(
                f"http://127.0.0.1:{server.port}", PUBLIC, twilio_peer.auth_token
            )
            return server

        yield start


@pytest.fixture
def served(serve):
    return serve(LIMITS)


def _read_all(client: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := client.recv(65536):
        data += chunk
    return data


def _read_one(client: socket.socket) -> bytes:
    """One response on a connection kept open (headers and body may come in parts)."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
        chunk = client.recv(65536)
        assert chunk, data
        data += chunk
    return data


def _length(response: bytes) -> int:
    for line in response.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def _headers(path: str, extra: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{extra}\r\n"
    ).encode()


def _calls(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(select(func.count()).select_from(Call))


def _incoming(**fields) -> dict:
    return {
        "CallSid": SID,
        "AccountSid": "AC" + "0" * 32,
        "From": "+8613900000001",
        "To": HOTLINE,
        "CallStatus": "ringing",
        **fields,
    }


# Body size ---------------------------------------------------------------------------------------
def test_a_declared_body_over_the_cap_is_refused_before_a_byte_of_it_is_sent(served):
    with served.connect() as client:
        client.sendall(_headers("/voice/incoming", "Content-Length: 100000000\r\n"))
        response = _read_all(client)  # the server answers and closes; nothing else was sent
    assert _status(response) == 413
    assert b"connection: close" in response.lower()
    assert f"larger than {CAP} bytes".encode() in response


def test_a_chunked_body_is_cut_off_at_the_cap(served):
    chunk = b"x" * 1024
    with served.connect() as client:
        client.sendall(_headers("/voice/incoming", "Transfer-Encoding: chunked\r\n"))
        for _ in range(3):  # 3 KiB, over the 2 KiB cap; the last chunk never comes
            client.sendall(b"400\r\n" + chunk + b"\r\n")
        response = _read_all(client)
    assert _status(response) == 413


def test_a_chunked_body_under_the_cap_is_read(served, wb):
    params = _incoming()
    body = urlencode(params).encode()
    signature = served.signer.sign("/voice/incoming", params)
    with served.connect() as client:
        client.sendall(
            _headers(
                "/voice/incoming",
                f"Transfer-Encoding: chunked\r\nX-Twilio-Signature: {signature}\r\n"
                "Connection: close\r\n",
            )
        )
        for start in range(0, len(body), 16):
            piece = body[start : start + 16]
            client.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        client.sendall(b"0\r\n\r\n")
        response = _read_all(client)
    assert _status(response) == 200
    assert _calls(wb) == 1


# Timeouts ----------------------------------------------------------------------------------------
def test_headers_that_do_not_finish_in_time_end_the_connection(serve):
    served = serve(SHORT)
    started = time.monotonic()
    with served.connect() as client:
        client.sendall(b"POST /voice/incoming HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and no more
        response = _read_all(client)
    assert _status(response) == 408
    assert time.monotonic() - started < 4  # the header timeout (0.5 s), not a socket's (10 s)


def test_a_connection_that_trickles_its_headers_is_closed_at_the_deadline(serve):
    served = serve(SHORT)
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200
    with served.connect() as client:
        closed = threading.Event()

        def trickle():
            for byte in request:  # one byte every 20 ms: 4 s for the lot, the deadline is 0.5 s
                if closed.is_set():
                    return
                try:
                    client.send(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.02)

        sender = threading.Thread(target=trickle)
        sender.start()
        started = time.monotonic()
        response = _read_all(client)
        closed.set()
        sender.join()
    assert _status(response) == 408
    assert time.monotonic() - started < 4  # the bytes would have taken 4 s


def test_the_next_request_on_a_kept_alive_connection_has_the_deadline_too(serve):
    served = serve(replace(LIMITS, header_timeout=2))
    with served.connect() as client:
        client.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _status(_read_one(client)) == 200
        client.sendall(b"GET /health HTTP/1.1\r\n")
        response = _read_all(client)
    # uvicorn's own keep-alive timeout (5 s) closes without a word: the 408 is the deadline's.
    assert _status(response) == 408


def test_a_body_that_does_not_arrive_in_time_ends_the_connection(serve, wb):
    served = serve(SHORT)
    with served.connect() as client:
        client.sendall(_headers("/voice/incoming", "Content-Length: 100\r\n") + b"CallSid=CA")
        started = time.monotonic()
        response = _read_all(client)
    assert _status(response) == 408
    assert b"connection: close" in response.lower()
    assert time.monotonic() - started < 4  # the body timeout (0.5 s), not a socket's (10 s)
    assert _calls(wb) == 0


# Concurrency -------------------------------------------------------------------------------------
def test_connections_beyond_the_limit_are_answered_503(serve):
    served = serve(replace(LIMITS, header_timeout=60))  # the held ones stay while we look
    held = [served.connect() for _ in range(LIMITS.max_connections)]
    try:
        for client in held:  # each in the middle of its headers (within their deadline)
            client.sendall(b"GET /health HTTP/1.1\r\n")
        served.wait_for(lambda: served.connections == 2, "the held connections were not seen")
        with served.connect() as extra:
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _status(_read_all(extra)) == 503
        held.pop().close()
        served.wait_for(lambda: served.connections == 1, "the closed connection was not seen")
        with served.connect() as again:
            again.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert _status(_read_all(again)) == 200
    finally:
        for client in held:
            client.close()


# Fields: the server as the other webhook tests run it (the settings' limits) -------------
@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"From": "+86" + "1" * 200}, "From is longer than 128 characters"),
        ({"From": "+8613900000001\x00"}, "From contains a control character"),
        ({"CallSid": "CA" + "3" * 31 + "\x00"}, "CallSid contains a control character"),
        ({"CallSid": "CA" + "3" * 40}, "CallSid is longer than 34 characters"),
        ({"CallSid": "CA'; drop table call"}, "CallSid is not a Twilio SID"),
        ({"CallerName": "x" * 9000}, "CallerName is longer than 8192 characters"),
        ({"CallerName": "a\x1b[31mred"}, "CallerName contains a control character"),
        ({"CallStatus": "ringing\r\n"}, "CallStatus contains a control character"),
    ],
)
def test_a_field_twilio_would_never_send_is_400_and_nothing_is_stored(twilio, wb, fields, reason):
    response = twilio.post("/voice/incoming", _incoming(**fields))
    assert response.status_code == 400, response.text
    assert reason in response.text
    assert _calls(wb) == 0


def test_an_sms_body_over_1600_characters_is_400(twilio):
    params = {"MessageSid": "SM" + "1" * 32, "From": "+8613900000001", "Body": "好" * 1601}
    response = twilio.post("/sms/incoming", params)
    assert response.status_code == 400
    assert "Body is longer than 1600 characters" in response.text


@pytest.mark.parametrize(
    "query", ["99999999999999999999999", "2147483648", "0", "-1", "\u00b2", "1\x00", "", "0x10"]
)
def test_a_call_id_out_of_range_or_not_a_number_is_400(twilio, query):
    path = "/voice/connect?" + urlencode({"call": query})
    response = twilio.post(path, {"CallSid": SID})
    assert response.status_code == 400, response.text
    assert "call must be a call id" in response.text


def test_the_largest_call_id_is_looked_up_and_not_found(twilio):
    response = twilio.post("/voice/outbound/connect?call=2147483647", {"CallSid": SID})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"CallSid=CA\xff\xfe&From=%2B8613900000001", "UTF-8"),  # raw bytes, not UTF-8
        (b"CallSid=%FF%FE&From=%2B8613900000001", "UTF-8"),  # escapes that are not UTF-8
        (b"CallSid=%ED%A0%80&From=x", "UTF-8"),  # a surrogate, encoded
        (b"CallSid&From", "could not be read"),  # not name=value
    ],
)
def test_a_form_that_is_not_utf8_form_encoding_is_400(twilio, wb, body, reason):
    response = twilio.post(
        "/voice/incoming",
        {},
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert reason in response.text
    assert _calls(wb) == 0


def test_missing_fields_are_400(twilio):
    response = twilio.post("/voice/recording", {"CallSid": SID})
    assert response.status_code == 400
    assert "missing RecordingSid" in response.text


def test_an_idempotency_token_that_is_not_twilios_is_400(twilio):
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    response = twilio.post("/sms/status", params, headers={"I-Twilio-Idempotency-Token": "t" * 300})
    assert response.status_code == 400


def test_unsigned_bad_fields_learn_nothing_but_403(twilio):
    response = twilio.post("/voice/incoming", _incoming(From="x" * 500), signature=None)
    assert response.status_code == 403


def test_a_good_request_still_passes_every_limit(served, wb):
    assert served.signer.post("/voice/incoming", _incoming()).status_code == 200
    assert _calls(wb) == 1


def test_the_limits_come_from_the_settings(wb):
    limits = Limits.from_settings(wb.settings)
    assert limits == Limits(
        max_body_bytes=65536, header_timeout=10.0, body_timeout=10.0, max_connections=100
    )
    options = uvicorn_options(limits)
    assert options["limit_concurrency"] == 101
    assert options["http"].keywords == {"header_timeout": 10.0}


def test_a_body_sent_in_parts_within_the_deadline_is_read(serve):
    """A body sent in parts that together arrive within the deadline is read."""
    served = serve(LIMITS)
    params = _incoming()
    body = urlencode(params).encode()
    signature = served.signer.sign("/voice/incoming", params)
    with served.connect() as client:
        client.sendall(
            _headers(
                "/voice/incoming",
                f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n"
                "Connection: close\r\n",
            )
        )
        client.sendall(body[:10])
        time.sleep(0.5)  # a slow client, within the 5 s
        client.sendall(body[10:])
        assert _status(_read_all(client)) == 200


@pytest.mark.parametrize("message", ["\u00b2", "9" * 40])
def test_an_unsubscribe_link_with_a_message_id_that_is_no_number_is_404(twilio, message):
    import requests

    url = twilio.server_url + "/email/unsubscribe?" + urlencode({"m": message, "t": "x"})
    response = requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert response.status_code == 404


# The command ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("workers", [1, 2])
def test_telephony_serve_runs_with_the_limits_of_the_settings(wb, keyring, db_url, workers):
    """`workbench telephony serve` as a process (and, on PostgreSQL, as two worker processes,
    which get the protocol and its timeout pickled): the settings' limits hold."""
    if workers > 1 and not db_url.startswith("postgresql"):
        pytest.skip("several server processes need PostgreSQL")
    port = free_port()
    env = {
        **os.environ,
        "WORKBENCH_DATABASE_URL": db_url,
        "WORKBENCH_KEYS_KEYRING": keyring.to_json(),
        "WORKBENCH_TELEPHONY_PUBLIC_URL": PUBLIC,
        "WORKBENCH_TWILIO_AUTH_TOKEN": "token",
        "WORKBENCH_WEBHOOKS_MAX_BODY_BYTES": "2048",
        "WORKBENCH_WEBHOOKS_HEADER_TIMEOUT_SECONDS": "3",
        "WORKBENCH_WEBHOOKS_MAX_CONNECTIONS": "1",
    }
    command = [sys.executable, "-m", "workbench", "telephony", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.05)
        with probe:
            probe.sendall(_headers("/voice/incoming", "Content-Length: 100000000\r\n"))
            assert _status(_read_all(probe)) == 413
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(b"GET /health HTTP/1.1\r\n")
            if workers == 1:  # one process: a second connection is one too many
                with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
                    extra.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    assert _status(_read_all(extra)) == 503
            assert _status(_read_all(slow)) == 408
    finally:
        server.terminate()
        server.wait(timeout=30)
