"""The floor of `bench/screen_pop.py`: the least an incoming-call webhook can do, served the way
`workbench telephony serve --workers N` serves the product.

    python -m bench.minimal_webhook --port 8081 [--workers 2]
    (settings from the environment: WORKBENCH_DATABASE_URL, WORKBENCH_TWILIO_AUTH_TOKEN,
    WORKBENCH_TELEPHONY_PUBLIC_URL)

A bare ASGI callable, no framework: read the form, check the X-Twilio-Signature with the SDK's
RequestValidator against the public URL, then in anyio's thread pool, as many at once as the
product's handlers (webhooks/server.py HANDLER_THREADS), the same one statement the product
sends for a call, `INSERT INTO call … ON CONFLICT (call_sid) DO NOTHING RETURNING id`, and its
commit, on an engine made as the product makes its own (`create_db_engine`); answer with a
fixed TwiML. The same server: uvicorn, the same number of worker processes, Nagle off on each
connection (webhooks/nodelay.py), the same concurrency and header limits, the same log level
(uvicorn's access log on). No member look-up, encryption, screen-pop event, metrics or body
limits: what the product adds on top is what the bench's ratio measures."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio.to_thread  # noqa: E402
from sqlalchemy import Table  # noqa: E402
from sqlalchemy.dialects.postgresql import insert as postgresql_insert  # noqa: E402
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from workbench.db import create_db_engine  # noqa: E402
from workbench.telephony.models import Call  # noqa: E402
from workbench.webhooks.server import HandlerThreads  # noqa: E402

ANSWER = (
    b'<?xml version="1.0" encoding="UTF-8"?><Response><Say language="zh-CN">'
    b"\xe6\x82\xa8\xe5\xa5\xbd</Say></Response>"
)
HEADERS = [(b"content-type", b"application/xml"), (b"content-length", str(len(ANSWER)).encode())]


def create_minimal_app(database_url: str, auth_token: str, public_url: str) -> Any:
    engine = create_db_engine(database_url)
    validator = RequestValidator(auth_token)
    public_url = public_url.rstrip("/")
    threads = HandlerThreads()  # as many at once as the product's handlers
    table: Table = Call.__table__  # type: ignore[attr-defined]
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(table).on_conflict_do_nothing(index_elements=["call_sid"]).returning(table.c.id)
    )

    def store(form: dict[str, str]) -> int | None:
        with engine.begin() as connection:
            return connection.execute(
                statement,
                {
                    "call_sid": form["CallSid"],
                    "direction": "inbound",
                    "from_enc": "k1:floor",  # the floor encrypts nothing
                    "to_enc": "k1:floor",
                    "party_bidx": None,
                    "member_id": None,
                    "status": "ringing",
                    "queue": "agents",
                    "voicemail": False,
                    "started_at": datetime.now(UTC),
                },
            ).scalar()

    async def respond(send: Any, status: int, body: bytes, headers: list) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            engine.dispose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/health":
            await respond(send, 200, b"ok\n", [(b"content-type", b"text/plain")])
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        signature = dict(scope["headers"]).get(b"x-twilio-signature", b"").decode()
        url = public_url + scope["path"]
        if not signature or not validator.validate(url, form, signature):
            await respond(send, 403, b"signature required", [(b"content-type", b"text/plain")])
            return
        await anyio.to_thread.run_sync(store, form, limiter=threads.limiter())
        await respond(send, 200, ANSWER, HEADERS)

    return app


def app_from_environment() -> Any:
    """uvicorn's factory for each worker process."""
    return create_minimal_app(
        os.environ["WORKBENCH_DATABASE_URL"],
        os.environ["WORKBENCH_TWILIO_AUTH_TOKEN"],
        os.environ["WORKBENCH_TELEPHONY_PUBLIC_URL"],
    )


def main() -> None:
    import uvicorn

    from workbench.webhooks.limits import MAX_HEADER_BYTES
    from workbench.webhooks.nodelay import NoDelayH11Protocol

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    uvicorn.run(
        "bench.minimal_webhook:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http=NoDelayH11Protocol,
        ws="none",
        # As the product's [webhooks] max_connections (workbench/webhooks/limits.py).
        limit_concurrency=int(os.environ.get("WORKBENCH_WEBHOOKS_MAX_CONNECTIONS", "100")) + 1,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_level="info",  # as `telephony serve`: uvicorn's access log line for each request
    )


if __name__ == "__main__":
    main()
