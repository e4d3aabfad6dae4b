"""`workbench outbox`: preview a template for a member, send what is due, see the queue, and
retry or cancel one message. Sending and the status show no personal data and need no
sign-in; preview reads a member through the access layer, retry and cancel are for
supervisors and administrators."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.cli.state import state
from workbench.messaging.models import MessageStatus
from workbench.messaging.templates import NOTICES

app = typer.Typer(
    help="Messages to members: preview, send, status, retry, cancel.", no_args_is_help=True
)
console = Console(highlight=False)


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
    """Send what is due (the scheduler does this every [messaging] send_seconds)."""
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
            f"{result.found} found already sent",
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
def retry_command(message_id: int = typer.Argument(...)) -> None:
    """Queue a failed or cancelled message again (supervisors and administrators)."""
    desk = state.workbench().usecases.messages
    desk.retry(state.staff(), message_id)
    console.print(f"message {message_id} queued again", markup=False)


@app.command("cancel")
def cancel_command(message_id: int = typer.Argument(...)) -> None:
    """Stop a message that has not gone yet (supervisors and administrators)."""
    desk = state.workbench().usecases.messages
    desk.cancel(state.staff(), message_id)
    console.print(f"message {message_id} cancelled", markup=False)
