"""The webhook server Twilio calls: voice and messaging webhooks and their status callbacks.

Every request must carry a valid X-Twilio-Signature, checked with the SDK's RequestValidator
against the public URL Twilio was given (the server may sit behind a TLS-terminating proxy,
so the URL it sees itself is not the one signed): no or a wrong signature is 403, logged
without personal data; a body that is not a form, or lacks what the webhook needs, is 400.
Handlers do blocking database work, so they run in the thread pool. The voice webhooks are the
hotline's handlers; the messaging ones are use cases (`usecases.replies`): the server opens no
session of its own."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from workbench.errors import ConfigError, NotFound, WorkbenchError
from workbench.messaging.inbound import OPT_IN, OPT_OUT
from workbench.telephony import twiml

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

Form = dict[str, str]  # the posted form's fields
QueryIds = dict[str, int]  # the ids in the URL's query (?call=)
Handler = Callable[[Form, QueryIds], str | None]  # TwiML to answer with, or None: 204
Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    pass


def create_app(
    telephony: Telephony, wb: Workbench, *, auth_token: str, public_url: str
) -> Starlette:
    hotline = telephony.hotline
    replies = wb.usecases.replies
    validator = RequestValidator(auth_token)
    public_url = public_url.rstrip("/")

    def webhook(handler: Handler, *required: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            try:
                params = await _form(request)
            except BadRequest as error:
                return PlainTextResponse(str(error), status_code=400)
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
            missing = [name for name in required if not params.get(name)]
            if missing:
                return PlainTextResponse(f"missing {', '.join(missing)}", status_code=400)
            try:
                query = _query_ids(request)
                answer = await run_in_threadpool(handler, params, query)
            except BadRequest as error:
                return PlainTextResponse(str(error), status_code=400)
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
        replies.sms_status(p["MessageSid"], p["MessageStatus"])

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
            lambda p, q: hotline.waiting(queue_position=p.get("QueuePosition", "")),
            (),
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

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            *(
                Route(path, webhook(handler, *required), methods=["POST"])
                for path, handler, required in routes
            ),
            Route("/health", health, methods=["GET"]),
        ]
    )


async def _form(request: Request) -> Form:
    """Twilio posts application/x-www-form-urlencoded UTF-8."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise BadRequest("expected a form (application/x-www-form-urlencoded)")
    body = await request.body()
    try:
        text = body.decode("utf-8")
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("the form could not be read") from None


class _Ids(QueryIds):
    def __missing__(self, name: str) -> int:
        raise BadRequest(f"the URL lacks ?{name}=")


def _query_ids(request: Request) -> QueryIds:
    ids = _Ids()
    for name, value in request.query_params.items():
        if name == "call":
            if not value.isdigit():
                raise BadRequest("call must be a call id")
            ids[name] = int(value)
    return ids


def server_app(wb: Workbench) -> Starlette:
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


def app_from_environment() -> Starlette:
    """uvicorn's factory for each worker process (settings: WORKBENCH_CONFIG and WORKBENCH_*)."""
    from workbench.bootstrap import build
    from workbench.logs import configure_logging
    from workbench.settings import load_settings

    configure_logging("INFO")
    return server_app(build(load_settings()))
