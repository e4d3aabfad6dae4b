"""`workbench applications`: submit a membership application at the store, review the queue
(approve, or reject with a reason back to the submitter), and correct and resubmit what was
returned. Every command signs in; members are shown by number and masked name."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.usecases.applications import ApplicationChanges, ApplicationInput

app = typer.Typer(
    help="Membership applications: submit, review queue, approve, reject, resubmit.",
    no_args_is_help=True,
)
console = SafeConsole(highlight=False)


@app.command("submit")
def submit_command(
    name: str = typer.Option(..., "--name"),
    phone: str = typer.Option(..., "--phone", help="Mobile number."),
    id_number: str = typer.Option(..., "--id-number", help="ID-card number (身份证号码)."),
    gender: str = typer.Option(None, "--gender", help="M or F; must agree with the ID number."),
    birthday: str = typer.Option(None, "--birthday", help="YYYY-MM-DD; checked likewise."),
    email: str = typer.Option(None, "--email"),
    address: str = typer.Option(None, "--address"),
    channel: str = typer.Option("store", "--channel", help="store, online or partner."),
    referrer: str = typer.Option(None, "--referrer", help="Member or card number."),
    store: str = typer.Option(None, "--store", help="Store code (default: yours)."),
    purchase_amount: str = typer.Option(
        None, "--purchase-amount", help="Qualifying purchase in yuan (threshold schemes)."
    ),
    receipt: str = typer.Option(None, "--receipt", help="Receipt number of that purchase."),
    marketing: bool = typer.Option(
        False, "--marketing/--no-marketing", help="The applicant agrees to marketing messages."
    ),
) -> None:
    """Submit an application at your store; customer service reviews it."""
    submitted = state.workbench().usecases.applications.submit(
        state.staff(),
        ApplicationInput(
            name=name,
            phone=phone,
            id_number=id_number,
            gender=gender,
            birthday=birthday,
            email=email,
            address=address,
            channel=channel,
            referrer=referrer,
            store_code=store,
            purchase_amount=purchase_amount,
            purchase_receipt=receipt,
            consent_marketing=marketing,
        ),
    )
    console.print(
        Text(f"application {submitted.member_no} ({submitted.masked_name}) waits for review")
    )


@app.command("queue")
def queue_command() -> None:
    """Applications waiting for review, oldest first, with their age against the SLA."""
    wb = state.workbench()
    queue = wb.usecases.applications.queue(state.staff())
    zone = wb.settings.timezone
    table = Table(title=f"review SLA {queue.sla_hours} h")
    table.add_column("member", no_wrap=True)
    for column in ("name", "channel", "store", "submitted by", "submitted", "age", "purchase"):
        table.add_column(column)
    for line in queue.lines:
        age = _hours(line.age) + (" OVERDUE" if line.overdue else "")
        table.add_row(
            line.member_no + (" (again)" if line.resubmitted else ""),
            Text(line.masked_name),
            line.channel,
            Text(f"{line.store_code} {line.store_name}"),
            Text(line.submitted_by),
            _local(line.submitted_at, zone),
            age,
            Text(line.purchase or "-"),
        )
    console.print(table)
    if not queue.lines:
        console.print("no applications waiting", markup=False)


@app.command("approve")
def approve_command(member_no: str = typer.Argument(..., help="Member or card number.")) -> None:
    """Approve: the card is issued and the welcome queued."""
    decision = state.workbench().usecases.applications.approve(state.staff(), member_no)
    points = f", {decision.points_earned} points for the qualifying purchase" * bool(
        decision.points_earned
    )
    console.print(
        Text(
            f"{decision.member_no} ({decision.masked_name}) approved: card {decision.card_no}, "
            f"tier {decision.tier_code}{points}; {decision.welcome_queued} welcome message(s) "
            "queued"
        )
    )


@app.command("reject")
def reject_command(
    member_no: str = typer.Argument(..., help="Member or card number."),
    reason: str = typer.Option(..., "--reason", help="What the submitter must correct."),
) -> None:
    """Return the application to the staff member who submitted it, with the reason."""
    decision = state.workbench().usecases.applications.reject(state.staff(), member_no, reason)
    mailed = "e-mailed" if decision.submitter_emailed else "not e-mailed (no address)"
    console.print(Text(f"{decision.member_no} returned to {decision.submitter} ({mailed})"))


@app.command("returned")
def returned_command() -> None:
    """Your applications returned for correction, with the reviewer's reason."""
    wb = state.workbench()
    lines = wb.usecases.applications.returned(state.staff())
    table = Table()
    table.add_column("member", no_wrap=True)
    for column in ("name", "store", "returned by", "when", "reason"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            line.member_no,
            Text(line.masked_name),
            line.store_code,
            Text(line.reviewed_by),
            _local(line.reviewed_at, wb.settings.timezone),
            Text(line.reason),
        )
    console.print(table)
    if not lines:
        console.print("no returned applications", markup=False)


@app.command("resubmit")
def resubmit_command(
    member_no: str = typer.Argument(..., help="Member number of the returned application."),
    name: str = typer.Option(None, "--name"),
    phone: str = typer.Option(None, "--phone"),
    id_number: str = typer.Option(None, "--id-number"),
    gender: str = typer.Option(None, "--gender"),
    birthday: str = typer.Option(None, "--birthday"),
    email: str = typer.Option(None, "--email", help='"" removes it.'),
    address: str = typer.Option(None, "--address", help='"" removes it.'),
    channel: str = typer.Option(None, "--channel"),
    purchase_amount: str = typer.Option(None, "--purchase-amount"),
    receipt: str = typer.Option(None, "--receipt"),
) -> None:
    """Correct a returned application (only the fields given change) and send it back."""
    submitted = state.workbench().usecases.applications.resubmit(
        state.staff(),
        member_no,
        ApplicationChanges(
            name=name,
            phone=phone,
            id_number=id_number,
            gender=gender,
            birthday=birthday,
            email=email,
            address=address,
            channel=channel,
            purchase_amount=purchase_amount,
            purchase_receipt=receipt,
        ),
    )
    console.print(Text(f"application {submitted.member_no} resubmitted for review"))


def _hours(age: timedelta) -> str:
    return f"{int(age.total_seconds() // 3600)} h"


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment is not None else "-"
