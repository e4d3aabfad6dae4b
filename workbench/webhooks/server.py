"""The webhook server Twilio calls: voice and messaging webhooks and their status callbacks.

Every request must carry a valid X-Twilio-Signature, checked with the SDK's RequestValidator
against the public URL Twilio was given (the server may sit behind a TLS-terminating proxy,
so the URL it sees itself is not the one signed): no or a wrong signature is 403, logged
without personal data; a body that is not a form, lacks what the webhook needs or holds a value
Twilio would never send (webhooks.fields) is 400. The body is capped and must arrive in time
(webhooks.limits): 413 and 408. Each webhook's latency and status are measured
(workbench.metrics); /metrics, /health and /ready answer beside them, unsigned (keep them off
the public side of the proxy: docs/deployment.md).
Handlers do blocking database work, so they run in the thread pool, HANDLER_THREADS at once.
The voice webhooks are the hotline's handlers; the messaging ones are use cases
(`usecases.replies`): the server opens no session of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp
from twilio.request_validator import RequestValidator

from workbench.errors import ConfigError, NotFound, WorkbenchError
from workbench.logs import log_context
from workbench.messaging.inbound import OPT_IN, OPT_OUT
from workbench.messaging.unsubscribe import PATH as UNSUBSCRIBE_PATH
from workbench.metrics import RequestMetrics, health_routes, operations_registry
from workbench.telephony import twiml
from workbench.webhooks.fields import call_id, check_form, check_idempotency_token
from workbench.webhooks.limits import BodyLimits, Limits
from workbench.webhooks.refusals import BadRequest, RequestRefused
from workbench.webhooks.unsubscribe import unsubscribe_endpoint

if TYPE_CHECKING:
    from workbench.bootstrap import Services, Telephony, Workbench

log = logging.getLogger(__name__)
XML = "application/xml"
# Twilio answers its own opt-out words; the Chinese ones are ours to confirm.
CONFIRM = {
    "opted_out": "您已退订会员营销短信。回复“订阅”可重新订阅。",
    "opted_in": "您已重新订阅会员短信。回复“退订”可退订。",
    "satisfaction": "感谢您的评价！",
}
TWILIO_WORDS = {w for w in OPT_OUT | OPT_IN if w.isascii()}

IDEMPOTENCY = "\x00idempotency"  # where the callback's I-Twilio-Idempotency-Token rides
Form = dict[str, str]  # the posted form's fields
QueryIds = dict[str, int]  # the ids in the URL's query (?call=)
Handler = Callable[[Form, QueryIds], str | None]  # TwiML to answer with, or None: 204
Endpoint = Callable[[Request], Awaitable[Response]]
# Handlers running at once in each server process: the database pool's size (db/engine.py), so
# that no handler's thread waits for a connection, and a burst of webhooks waits its turn in the
# event loop (where waiting costs nothing) rather than as threads contending for the GIL and
# connections beyond the pool's (PostgreSQL's max_connections is shared by every process).
HANDLER_THREADS = 10


class HandlerThreads:
    """A CapacityLimiter of HANDLER_THREADS for the running event loop (made in it, lazily)."""

    def __init__(self, tokens: int = HANDLER_THREADS) -> None:
        self.tokens = tokens
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiter: anyio.CapacityLimiter | None = None

    def limiter(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        if self._limiter is None or self._loop is not loop:
            self._loop, self._limiter = loop, anyio.CapacityLimiter(self.tokens)
        return self._limiter


def create_app(
    telephony: Telephony,
    wb: Workbench,
    *,
    auth_token: str,
    public_url: str,
    limits: Limits | None = None,
) -> ASGIApp:
    """The webhooks behind the body limits; `limits` default to the settings' [webhooks]."""
    limits = limits or Limits.from_settings(wb.settings)
    hotline = telephony.hotline
    replies = wb.usecases.replies
    validator = RequestValidator(auth_token)
    public_url = public_url.rstrip("/")
    threads = HandlerThreads()

    def webhook(handler: Handler, *required: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                params = await _form(request)
            except RequestRefused as refusal:
                return _refused(refusal)
            url = (
                public_url
                + request.url.path
                + (f"?{request.url.query}" if request.url.query else "")
            )
            signature = request.headers.get("X-Twilio-Signature")
            if not signature or not validator.validate(url, params, signature):
                log.warning(
                    "refused %s %s: %s signature",
                    request.method,
                    request.url.path,
                    "invalid" if signature else "no",
                )
                return PlainTextResponse("signature required", status_code=403)
            try:
                check_form(params)
                check_idempotency_token(request.headers.get("I-Twilio-Idempotency-Token", ""))
            except RequestRefused as refusal:
                return _refused(refusal)
            if request.headers.get("I-Twilio-Idempotency-Token"):  # a header, not signed
                params[IDEMPOTENCY] = request.headers["I-Twilio-Idempotency-Token"]
            missing = [name for name in required if not params.get(name)]
            if missing:
                return PlainTextResponse(f"missing {', '.join(missing)}", status_code=400)
            try:
                query = _query_ids(request)
                with log_context(  # not personal data: Twilio's ids of the request and call
                    request_id=request.headers.get("I-Twilio-Idempotency-Token") or None,
                    call_id=params.get("CallSid") or params.get("MessageSid") or None,
                ):
                    answer = await anyio.to_thread.run_sync(
                        handler, params, query, limiter=threads.limiter()
                    )
            except RequestRefused as refusal:
                return _refused(refusal)
            except NotFound as error:
                return PlainTextResponse(str(error), status_code=404)
            except WorkbenchError as error:
                return PlainTextResponse(str(error), status_code=422)
            if answer is None:
                return Response(status_code=204)
            return Response(answer, media_type=XML)

        return endpoint

    def inbound_sms(p: Form, _q: QueryIds) -> str:
        result = replies.sms_received(p["MessageSid"], p["From"], p.get("Body", ""))
        word = (p.get("Body") or "").strip().upper()
        return twiml.sms_reply(None if word in TWILIO_WORDS else CONFIRM.get(result.action))

    def sms_status(p: Form, _q: QueryIds) -> None:
        replies.sms_status(p["MessageSid"], p["MessageStatus"], p.get(IDEMPOTENCY))

    routes: list[tuple[str, Handler, tuple[str, ...]]] = [
        (
            "/voice/incoming",
            lambda p, q: hotline.incoming(
                call_sid=p["CallSid"], from_number=p["From"], to_number=p.get("To", "")
            ),
            ("CallSid", "From"),
        ),
        (
            "/voice/menu",
            lambda p, q: hotline.menu(call_sid=p["CallSid"], digits=p.get("Digits", "")),
            ("CallSid",),
        ),
        (
            "/voice/wait",
            lambda p, q: hotline.waiting(
                queue_position=p.get("QueuePosition", ""), call_sid=p.get("CallSid", "")
            ),
            (),
        ),
        (
            "/voice/queue-callback",
            lambda p, q: hotline.queue_callback(
                call_sid=p["CallSid"],
                digits=p.get("Digits", ""),
                queue_position=p.get("QueuePosition", ""),
            ),
            ("CallSid",),
        ),
        (
            "/voice/voicemail",
            lambda p, q: hotline.voicemail(
                call_sid=p["CallSid"],
                recording_sid=p.get("RecordingSid", ""),
                seconds=p.get("RecordingDuration", ""),
            ),
            ("CallSid",),
        ),
        (
            "/voice/recording",
            lambda p, q: hotline.recording(
                call_sid=p["CallSid"],
                recording_sid=p["RecordingSid"],
                seconds=p.get("RecordingDuration", ""),
                status=p.get("RecordingStatus", ""),
            ),
            ("CallSid", "RecordingSid"),
        ),
        (
            "/voice/status",
            lambda p, q: hotline.status(
                call_sid=p["CallSid"], status=p["CallStatus"], duration=p.get("CallDuration", "")
            ),
            ("CallSid", "CallStatus"),
        ),
        ("/voice/connect", lambda p, q: hotline.connect_agent(call_id=q["call"]), ()),
        (
            "/voice/after-agent",
            lambda p, q: hotline.after_agent(
                call_id=q["call"], dial_status=p.get("DialCallStatus", "")
            ),
            (),
        ),
        ("/voice/transfer", lambda p, q: hotline.transferred(call_id=q["call"]), ()),
        ("/voice/hold", lambda p, q: hotline.on_hold(call_id=q["call"]), ()),
        (
            "/voice/agent-leg",
            lambda p, q: hotline.agent_leg(call_id=q["call"], status=p["CallStatus"]),
            ("CallStatus",),
        ),
        ("/voice/outbound/connect", lambda p, q: hotline.connect_member(call_id=q["call"]), ()),
        (
            "/voice/outbound/done",
            lambda p, q: hotline.member_leg_done(
                call_id=q["call"],
                dial_status=p.get("DialCallStatus", ""),
                dial_sid=p.get("DialCallSid", ""),
                seconds=p.get("DialCallDuration", ""),
            ),
            (),
        ),
        ("/sms/incoming", inbound_sms, ("MessageSid", "From")),
        ("/sms/status", sms_status, ("MessageSid", "MessageStatus")),
    ]

    registry = operations_registry(wb.usecases.operations)  # /metrics, /health, /ready
    app = Starlette(
        routes=[
            *(
                Route(path, webhook(handler, *required), methods=["POST"])
                for path, handler, required in routes
            ),
            *health_routes(registry, wb.usecases.operations),
            Route(UNSUBSCRIBE_PATH, unsubscribe_endpoint(replies), methods=["GET", "POST"]),
        ]
    )
    limited = BodyLimits(app, max_bytes=limits.max_body_bytes, timeout=limits.body_timeout)
    webhook_paths = [path for path, _, _ in routes] + [UNSUBSCRIBE_PATH]
    return RequestMetrics(limited, registry, webhook_paths)


def _refused(refusal: RequestRefused) -> Response:
    headers = {"Connection": "close"} if refusal.close else None
    return PlainTextResponse(refusal.reason, status_code=refusal.status, headers=headers)


async def _form(request: Request) -> Form:
    """Twilio posts application/x-www-form-urlencoded UTF-8."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadRequest("expected a form (application/x-www-form-urlencoded)")
    body = await request.body()  # BodyLimits: at most max_body_bytes, in time
    try:
        text = body.decode("utf-8")
        # errors="strict": a %-escape that is not UTF-8 is refused, not replaced.
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the form could not be read (UTF-8 form encoding expected)") from None
    return dict(fields)


class _Ids(QueryIds):
    def __missing__(self, name: str) -> int:
        raise BadRequest(f"the URL lacks ?{name}=")


def _query_ids(request: Request) -> QueryIds:
    ids = _Ids()
    for name, value in request.query_params.items():
        if name == "call":
            ids[name] = call_id(value)
    return ids


def server_app(wb: Workbench) -> ASGIApp:
    """The app for a workbench: needs the public URL and the Twilio auth token to check
    signatures, so it refuses to start without them."""
    from workbench.bootstrap import build_telephony

    s = wb.settings
    token = s.twilio_auth_token.get_secret_value() if s.twilio_auth_token else ""
    if not s.telephony_public_url or not token:
        raise ConfigError(
            "the webhook server needs [telephony] public_url and the Twilio auth "
            "token (WORKBENCH_TWILIO_AUTH_TOKEN) to check Twilio's signatures"
        )
    return create_app(build_telephony(wb), wb, auth_token=token, public_url=s.telephony_public_url)


def check_workers(wb: Services, workers: int) -> None:
    """Several server processes need PostgreSQL: screen pops cross processes by LISTEN/NOTIFY."""
    if workers > 1 and not wb.settings.effective_database_url.startswith("postgresql"):
        raise ConfigError(
            "several server processes need PostgreSQL: screen pops cross "
            "processes by LISTEN/NOTIFY, which SQLite does not have"
        )


def app_from_environment() -> ASGIApp:
    """uvicorn's factory for each worker process (settings: WORKBENCH_CONFIG and WORKBENCH_*)."""
    from workbench.bootstrap import build
    from workbench.logs import configure_logging
    from workbench.settings import load_settings

    settings = load_settings()
    configure_logging(
        "INFO",
        file=settings.effective_log_file if settings.logging_file else None,
        fmt=settings.logging_format,
        max_bytes=settings.logging_max_bytes,
        backup_count=settings.logging_backup_count,
    )
    return server_app(build(settings))
