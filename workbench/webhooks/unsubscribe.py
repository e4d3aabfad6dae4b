"""The one-click unsubscribe endpoint (RFC 8058) on the webhook server: a mail client POSTs
`List-Unsubscribe=One-Click` to the link in an e-mail's List-Unsubscribe header; a person who
opens the link (GET) gets a page with one button that posts the same. No sign-in: the link's
keyed digest is the proof. The opt-out is the use case's (`replies.email_unsubscribe`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

if TYPE_CHECKING:
    from workbench.usecases.replies import ReplyDesk

PAGE = """<!doctype html><meta charset="utf-8"><title>退订 / Unsubscribe</title>
<form method="post" action="{action}"><input type="hidden" name="List-Unsubscribe"
value="One-Click"><p>退订会员营销邮件？ / Stop marketing e-mail?</p>
<button type="submit">退订 / Unsubscribe</button></form>"""
DONE = "已退订会员营销邮件。 / You will get no more marketing e-mail."


def unsubscribe_endpoint(replies: ReplyDesk) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        message, token = request.query_params.get("m", ""), request.query_params.get("t", "")
        if not (message.isascii() and message.isdigit() and len(message) <= 18) or not token:
            return PlainTextResponse("not an unsubscribe link", status_code=404)
        if request.method == "GET":  # a person's visit: unsubscribing needs the POST
            action = escape(str(request.url.path) + "?" + request.url.query)
            return HTMLResponse(PAGE.format(action=action))
        done = await run_in_threadpool(replies.email_unsubscribe, int(message), token)
        if not done:
            return PlainTextResponse("not an unsubscribe link", status_code=404)
        return PlainTextResponse(DONE)

    return endpoint
