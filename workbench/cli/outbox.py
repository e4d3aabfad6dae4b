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
from sqlalchemy import select

from workbench.cli.state import state
from workbench.messaging.models import MessageStatus, OutboxMessage
from workbench.messaging.templates import NOTICES, sms_segments
from workbench.permissions.access import Purpose

app = typer.Typer(
    help="Messages to members: preview, send, status, retry, cancel.", no_args_is_help=True
)
console = Console(highlight=False)

# What a preview fills in where a template needs more than the member's own data.
SAMPLE_VALUES = {
    "reason": "身份证照片不清晰 / ID photo unreadable",
    "when": "2026-01-01 10:00 UTC",
    "points": 1200,
    "expiry_date": "2026-12-31",
    "complaint_no": "C200000000",
    "update": "已为您办理退款 / your refund is on its way",
    "month": "2026-12",
}


@app.command("preview")
def preview_command(
    template: str = typer.Argument(..., help=", ".join(NOTICES)),
    member_no: str = typer.Argument(..., help="Member number, e.g. M212345678."),
    language: str = typer.Option(None, "--language", help="zh-CN or en (default: the setting)."),
) -> None:
    """Show a template as this member would get it: the SMS with its length in segments, and
    the e-mail. Sample values stand in for the occasion (points, complaint number…)."""
    wb = state.workbench()
    view = wb.access.view(state.staff(), member_no, Purpose.SERVICE)
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        rendered = wb.outbox.render(
            session, member=member, template=template, language=language, extra=SAMPLE_VALUES
        )
    segments = sms_segments(rendered.sms)
    console.print(Text(f"to: {view.shown('phone') or '-'} / {view.shown('email') or '-'}"))
    console.print(
        Text(
            f"SMS ({segments.encoding}, {segments.units} characters, "
            f"{segments.count} segment{'s' * (segments.count != 1)}):",
            style="bold",
        )
    )
    console.print(Text(rendered.sms))
    console.print(Text(f"e-mail subject: {rendered.subject}", style="bold"))
    console.print(Text(rendered.text))


@app.command("run")
def run_command(
    limit: int = typer.Option(100, "--limit", help="Messages per channel per round."),
    loop: bool = typer.Option(False, "--loop", help="Keep sending until interrupted."),
) -> None:
    """Send what is due (the scheduler does this every [messaging] send_seconds)."""
    wb = state.workbench()
    if wb.dispatcher.sms is None and wb.dispatcher.email is None:
        console.print(
            "no sender is configured: see [twilio] and [smtp] in the settings", markup=False
        )
        raise typer.Exit(2)
    while True:
        result = wb.dispatcher.run_once(limit)
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
    wb = state.workbench()
    with wb.sessions() as session:
        counts = wb.outbox.status_counts(session)
        failures = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.channel,
                OutboxMessage.template,
                OutboxMessage.attempts,
                OutboxMessage.last_error,
            )
            .where(OutboxMessage.status == MessageStatus.FAILED.value)
            .order_by(OutboxMessage.id.desc())
            .limit(failed)
        ).all()
    table = Table("channel", *[s.value for s in MessageStatus])
    for channel in ("sms", "email"):
        table.add_row(channel, *[str(counts.get((channel, s.value), 0)) for s in MessageStatus])
    console.print(table)
    if failures:
        listing = Table("id", "channel", "template", "attempts", "last error")
        for row in failures:
            listing.add_row(
                str(row.id),
                row.channel,
                row.template,
                str(row.attempts),
                Text(row.last_error or ""),
            )
        console.print(listing)


@app.command("retry")
def retry_command(message_id: int = typer.Argument(...)) -> None:
    """Queue a failed or cancelled message again (supervisors and administrators)."""
    wb = state.workbench()
    staff = state.staff()
    with wb.sessions() as session:
        wb.outbox.retry(session, message_id, actor=staff)
        session.commit()
    console.print(f"message {message_id} queued again", markup=False)


@app.command("cancel")
def cancel_command(message_id: int = typer.Argument(...)) -> None:
    """Stop a message that has not gone yet (supervisors and administrators)."""
    wb = state.workbench()
    staff = state.staff()
    with wb.sessions() as session:
        wb.outbox.cancel(session, message_id, actor=staff)
        session.commit()
    console.print(f"message {message_id} cancelled", markup=False)
