"""A local HTTP server that answers Twilio's Messages and Calls APIs as Twilio does: form-encoded
POSTs with basic auth, 201 with a JSON resource (a call update answers 200), errors in Twilio's
error format, paged GET listing (newest first, filtered on To, From and DateSent as Twilio does).
A message is stored with its StatusCallback and stays `queued` (no date_sent) until
`mark_sent()`. Faults can be queued to test retries and ambiguous outcomes:
("status", http, code, headers) refused before anything is stored; ("slow", s) stored, answered
late; ("hangup",) stored, then the connection closed with no answer; ("accepted_then", http,
code) stored, then an error answered."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse


class TwilioPeer:
    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "token",
        *,
        now: Callable[[], datetime] | None = None,
        echo_callback: bool = True,
        page_size: int = 50,
    ) -> None:
        self.now = now or (lambda: datetime.now(UTC))  # what date_created is stamped with
        self.echo_callback = echo_callback  # show StatusCallback in the message resource
        self.page_size = page_size
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict] = []  # every message the peer accepted
        self.calls: list[dict] = []  # every call created: the form as sent
        self.call_updates: list[tuple[str, dict]] = []  # (call SID, form) of each redirect
        self.requests = 0
        self.faults: deque = deque()  # ("status", http_status, code, headers) or ("slow", s)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # Polls for shutdown every 50 ms: at the default 0.5 s each test waited that long to stop.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def mark_sent(self) -> None:
        """Twilio's queue moves on: every queued message is sent (gets its date_sent)."""
        with self.lock:
            for message in self.messages:
                if message["status"] == "queued":
                    message["status"] = "sent"
                    message["date_sent"] = format_datetime(self.now())

    def bodies_per_recipient(self) -> Counter:
        """How many times each (to, body) was accepted."""
        with self.lock:
            return Counter((m["to"], m["body"]) for m in self.messages)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TwilioPeer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{peer.account_sid}:{peer.auth_token}".encode())
                return self.headers.get("Authorization", "") == f"Basic {expected.decode()}"

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: int, message: str, headers=None) -> None:
                self._send(
                    status,
                    {
                        "code": code,
                        "message": message,
                        "status": status,
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    },
                    headers,
                )

            def do_POST(self) -> None:
                path = urlparse(self.path).path
                account = f"/2010-04-01/Accounts/{peer.account_sid}"
                if not path.startswith(account + "/"):
                    return self._error(404, 20404, "not found")
                if not self._authorised():
                    return self._error(401, 20003, "Authenticate")
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if path.startswith(account + "/Calls"):
                    return self._call(path.removeprefix(account + "/Calls"), form)
                if path != account + "/Messages.json":
                    return self._error(404, 20404, "not found")
                with peer.lock:
                    peer.requests += 1
                    fault = peer.faults.popleft() if peer.faults else None
                if fault and fault[0] == "status":
                    _, status, code, headers = fault
                    return self._error(status, code, f"injected {code}", headers)
                if "To" not in form or "Body" not in form:
                    return self._error(400, 21604, "A 'To' phone number and a Body are required")
                if not (form.get("From") or form.get("MessagingServiceSid")):
                    return self._error(400, 21603, "A 'From' phone number is required")
                now = peer.now()
                resource = {
                    "sid": "SM" + secrets.token_hex(16),
                    "account_sid": peer.account_sid,
                    "to": form["To"],
                    "from": form.get("From"),
                    "body": form["Body"],
                    "status": "queued",
                    "date_created": format_datetime(now),
                    "date_sent": None,  # still queued at the provider
                    "num_segments": "1",
                    "messaging_service_sid": form.get("MessagingServiceSid"),
                    "uri": f"/2010-04-01/Accounts/{peer.account_sid}/Messages/x.json",
                }
                if peer.echo_callback:
                    resource["status_callback"] = form.get("StatusCallback")
                with peer.lock:
                    peer.messages.append(resource)
                    resource["callback"] = form.get("StatusCallback")  # kept, even unechoed
                if fault and fault[0] == "slow":  # received and kept, but the answer is late
                    time.sleep(fault[1])
                if fault and fault[0] == "hangup":  # received and kept, then no answer at all
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return None
                if fault and fault[0] == "accepted_then":
                    return self._error(fault[1], fault[2], f"injected {fault[2]}")
                self._send(201, self._public(resource))

            @staticmethod
            def _public(message: dict) -> dict:
                return {k: v for k, v in message.items() if k != "callback"}

            def _call(self, rest: str, form: dict) -> None:
                with peer.lock:
                    fault = peer.faults.popleft() if peer.faults else None
                if fault and fault[0] == "status":
                    _, status, code, headers = fault
                    return self._error(status, code, f"injected {code}", headers)
                if rest == ".json":  # create
                    if not (form.get("To") and form.get("From")):
                        return self._error(400, 21201, "To and From are required")
                    if not (form.get("Url") or form.get("Twiml")):
                        return self._error(400, 21205, "Url or Twiml is required")
                    sid = "CA" + secrets.token_hex(16)
                    with peer.lock:
                        peer.calls.append({**form, "sid": sid})
                    return self._send(201, self._call_resource(sid, form, "queued"))
                sid = rest.removeprefix("/").removesuffix(".json")  # update a live call
                with peer.lock:
                    peer.call_updates.append((sid, form))
                return self._send(200, self._call_resource(sid, form, "in-progress"))

            def _call_resource(self, sid: str, form: dict, status: str) -> dict:
                return {
                    "sid": sid,
                    "account_sid": peer.account_sid,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "status": status,
                    "direction": "outbound-api",
                    "uri": f"/2010-04-01/Accounts/{peer.account_sid}/Calls/{sid}.json",
                }

            def do_GET(self) -> None:
                parsed = urlparse(self.path)
                account = parsed.path.startswith("/2010-04-01/Accounts/")
                if account and parsed.path.count("/") == 3:  # the account resource itself
                    if not self._authorised():  # as Twilio: a wrong SID or token is a 401
                        return self._error(401, 20003, "Authenticate")
                    return self._send(
                        200,
                        {
                            "sid": peer.account_sid,
                            "friendly_name": "peer account",
                            "status": "active",
                            "type": "Full",
                            "uri": parsed.path,
                        },
                    )
                if parsed.path != f"/2010-04-01/Accounts/{peer.account_sid}/Messages.json":
                    return self._error(404, 20404, "not found")
                if not self._authorised():
                    return self._error(401, 20003, "Authenticate")
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                with peer.lock:
                    found = [self._public(m) for m in reversed(peer.messages) if _matches(m, query)]
                size = int(query.get("PageSize", peer.page_size))
                page = int(query.get("Page", 0))
                chunk = found[page * size : (page + 1) * size]
                following = None
                if (page + 1) * size < len(found):
                    rest = {k: v for k, v in query.items() if k not in ("Page", "PageSize")}
                    following = (
                        parsed.path + "?" + urlencode({**rest, "PageSize": size, "Page": page + 1})
                    )
                self._send(
                    200,
                    {
                        "messages": chunk,
                        "next_page_uri": following,
                        "page": page,
                        "page_size": size,
                        "uri": parsed.path,
                    },
                )

        return Handler


def _matches(message: dict, query: dict) -> bool:
    """Twilio's Message list filters: To, From, DateSent (a day), DateSent< and DateSent>
    (a message not sent yet has no date_sent and matches no DateSent filter)."""
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    bounds = {k: v for k, v in query.items() if k.startswith("DateSent")}
    if not bounds:
        return True
    if not message["date_sent"]:
        return False
    sent = parsedate_to_datetime(message["date_sent"])
    for name, value in bounds.items():
        limit = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if limit.tzinfo is None:
            limit = limit.replace(tzinfo=UTC)
        if name == "DateSent" and sent.date() != limit.date():
            return False
        if name == "DateSent<" and sent.date() > limit.date():
            return False
        if name == "DateSent>" and sent.date() < limit.date():
            return False
    return True
