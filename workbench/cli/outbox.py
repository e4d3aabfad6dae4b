"""`workbench outbox`: preview a template for a member, send what is due, see the queue (with the
last error per channel and the oldest waiting message), retry one message or every failed one
matching filters, cancel one, and carry out unsubscribe mails. Sending, the status and
unsubscribe mails show no personal data and need no sign-in; preview reads a member through the
access layer, retry and cancel are for supervisors and administrators."""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.dates import before, parse_moment
from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.messaging.models import MessageStatus
from workbench.messaging.templates import NOTICES
from workbench.messaging.unsubscribe import unsubscribe_request

app = typer.Typer(
    help="Messages to members: preview, send, status, retry, cancel, unsubscribe mails.",
    no_args_is_help=True,
)
console = SafeConsole(highlight=False)
warnings = SafeConsole(highlight=False, stderr=True)


@app.command("preview")
def preview_command(
    template: str = typer.Argument(..., help=", ".join(NOTICES)),
    member_no: str = typer.Argument(..., help="Member number, e.g. M212345678."),
    language: str = typer.Option(None, "--language", help="zh-CN or en (default: the setting)."),
) -> None:
    """Show a template as this member would get it: the SMS with its length in segments, and
    the e-mail. Sample values stand in for the occasion (points, complaint number…)."""
    desk = state.workbench().usecases.messages
    shown = desk.preview_for(state.staff(), member_no, template, language=language)
    segments = shown.segments
    console.print(Text(f"to: {shown.phone_shown or '-'} / {shown.email_shown or '-'}"))
    console.print(
        Text(
            f"SMS ({segments.encoding}, {segments.units} characters, "
            f"{segments.count} segment{'s' * (segments.count != 1)}):",
            style="bold",
        )
    )
    console.print(Text(shown.sms))
    console.print(Text(f"e-mail subject: {shown.subject}", style="bold"))
    console.print(Text(shown.text))


@app.command("run")
def run_command(
    limit: int = typer.Option(100, "--limit", help="Messages per channel per round."),
    loop: bool = typer.Option(False, "--loop", help="Keep sending until interrupted."),
) -> None:
    """Send what is due (the scheduler does this every \\[messaging] send_seconds)."""
    wb = state.workbench()
    desk = wb.usecases.messages
    if not desk.can_send():
        console.print(
            "no sender is configured: see [twilio] and [smtp] in the settings", markup=False
        )
        raise typer.Exit(2)
    while True:
        result = desk.send_due(limit)
        console.print(
            f"{result.sent} sent, {result.retried} to retry, {result.failed} failed, "
            f"{result.found} found already sent, {result.held} held for quiet hours, "
            f"{result.stopped} stopped by the contact policy",
            markup=False,
        )
        if not loop:
            return
        try:
            time.sleep(wb.settings.messaging_send_seconds)
        except KeyboardInterrupt:
            return


@app.command("status")
def status_command(
    failed: int = typer.Option(10, "--failed", help="List this many recent failures."),
) -> None:
    """Messages by channel and state, and the latest failures."""
    status = state.workbench().usecases.messages.status(failures=failed)
    table = Table("channel", *[s.value for s in MessageStatus])
    for channel in ("sms", "email"):
        table.add_row(
            channel, *[str(status.counts.get((channel, s.value), 0)) for s in MessageStatus]
        )
    console.print(table)
    now = state.workbench().clock.now()
    for channel in ("sms", "email"):
        oldest = status.oldest_waiting.get(channel)
        if oldest is not None:
            console.print(
                Text(f"{channel}: oldest waiting message queued {_age(now - oldest)} ago")
            )
        last = status.last_errors.get(channel)
        if last is not None:
            console.print(
                Text(f"{channel}: last error {_age(now - last[0])} ago: {last[1]}", style="red")
            )
    if status.failures:
        listing = Table("id", "to", "channel", "template", "attempts", "last error")
        for row in status.failures:
            listing.add_row(
                str(row.id),
                Text(row.to),
                row.channel,
                row.template,
                str(row.attempts),
                Text(row.last_error),
            )
        console.print(listing)


@app.command("retry")
def retry_command(
    message_id: int = typer.Argument(None, help="One message; or --failed for many."),
    failed: bool = typer.Option(False, "--failed", help="Every failed message (see filters)."),
    since: str = typer.Option(
        None, "--since", help="With --failed: created since, e.g. 2026-12-01 or 6h or 2d."
    ),
    channel: str = typer.Option(None, "--channel", help="With --failed: sms or email."),
    template: str = typer.Option(None, "--template", help="With --failed: one template."),
) -> None:
    """Queue a failed or cancelled message again, or with --failed every failed message that
    matches (after an outage) — supervisors and administrators."""
    wb = state.workbench()
    desk = wb.usecases.messages
    if failed == (message_id is not None):
        console.print("give one message id, or --failed (with filters)", markup=False)
        raise typer.Exit(2)
    if message_id is not None:
        desk.retry(state.staff(), message_id)
        console.print(f"message {message_id} queued again", markup=False)
        return
    start = _since(since, wb.clock.now(), wb.settings.timezone) if since else None
    count = desk.retry_failed(state.staff(), since=start, channel=channel, template=template)
    console.print(f"{count} failed message{'s' * (count != 1)} queued again", markup=False)


def _since(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """6h, 2d, 30m (ago), or a date / date-time in the store's zone."""
    unit = {"m": "minutes", "h": "hours", "d": "days"}.get(text[-1:])
    if unit and text[:-1].isdigit():
        return before(now, "--since", **{unit: int(text[:-1])})
    return parse_moment(text, "--since", zone, "2026-12-01, a date-time, or 6h / 2d")


def _age(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@app.command("unsubscribe-mail")
def unsubscribe_mail_command(
    files: list[str] = typer.Argument(
        ..., help="RFC 5322 messages (files, as an MTA or procmail delivers them), or - for stdin."
    ),
) -> None:
    """Carry out unsubscribe mails sent to the mailto: in an e-mail's List-Unsubscribe: the
    member opts out of marketing e-mail, as by the one-click link. Pipe the unsubscribe mailbox
    to it (no scheduler needed); a mail naming no row of ours changes nothing (exit 2)."""
    replies = state.workbench().usecases.replies
    refused = 0
    for name in files:
        raw = sys.stdin.buffer.read() if name == "-" else _read_mail(name)
        request = unsubscribe_request(raw) if raw is not None else None
        if request is not None and replies.email_unsubscribe(*request):
            console.print(f"{name}: unsubscribed from marketing e-mail", markup=False)
            continue
        refused += 1
        # The same words whether the row exists or not: a mail cannot probe the outbox.
        reason = "unreadable" if raw is None else "names no unsubscribe link of ours"
        warnings.print(f"{name}: refused, {reason}; nothing changed", markup=False)
    if refused:
        raise typer.Exit(2)


def _read_mail(name: str) -> bytes | None:
    try:
        return Path(name).read_bytes()
    except OSError:
        return None


@app.command("cancel")
def cancel_command(message_id: int = typer.Argument(...)) -> None:
    """Stop a message that has not gone yet (supervisors and administrators)."""
    desk = state.workbench().usecases.messages
    desk.cancel(state.staff(), message_id)
    console.print(f"message {message_id} cancelled", markup=False)
