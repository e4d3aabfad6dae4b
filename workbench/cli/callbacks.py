"""`workbench callbacks schedule`: a callback for a member, as the profile's F4 form schedules
one: a reason, a window of 1 to 30 days and, if the member asked for one, a date and time of day
to call from (YYYY-MM-DD HH:MM, not in the past). Through the same use case, with its rules: only
a member you may read now (refused in the same words whether or not the member exists), not one
who asked never to be called, nor one who already has an open callback for that reason. Calls
are made within calling hours in the member's store's zone. Signs in."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

import typer
from rich.text import Text

from workbench.callbacks.models import Reason
from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import ValidationError

app = typer.Typer(help="Callbacks: schedule one for a member.", no_args_is_help=True)
console = SafeConsole(highlight=False)

REASONS = ", ".join(r.value for r in Reason)
MOST_DAYS = 30  # as the profile's form allows


@app.command("schedule")
def schedule_command(
    member: str = typer.Argument(..., metavar="MEMBER_NO", help="The member number."),
    at: str = typer.Option(
        None,
        "--at",
        help="Call from this date and time of day, YYYY-MM-DD HH:MM (default: from now).",
    ),
    days: int = typer.Option(3, "--days", help=f"Callable for this many days (1 to {MOST_DAYS})."),
    reason: str = typer.Option(Reason.MEMBER_REQUEST.value, "--reason", help=f"One of {REASONS}."),
) -> None:
    """Schedule a callback for a member you may read now, from now or from a date and time."""
    wb = state.workbench()
    if not 1 <= days <= MOST_DAYS:
        raise ValidationError("days", f"1 to {MOST_DAYS} days")
    zone = wb.settings.timezone
    start = _moment(at, zone, wb.clock.now()) if at else None
    desk = wb.usecases.callbacks
    staff = state.staff()
    if start is None:
        task_id = desk.schedule(staff, member, reason, within=timedelta(days=days))
        when = f"within {days} days"
    else:
        task_id = desk.schedule(
            staff, member, reason, earliest_at=start, latest_at=start + timedelta(days=days)
        )
        when = f"from {start:%Y-%m-%d %H:%M}, for {days} days"
    hours = f"{wb.settings.callbacks_calling_start}–{wb.settings.callbacks_calling_end}"
    console.print(
        Text(
            f"callback {task_id} scheduled for {member.strip().upper()} {when} "
            f"({reason}; called within calling hours, {hours} in the member's store's zone)"
        )
    )


def _moment(text: str, zone: tzinfo, now: datetime) -> datetime:
    """The form's rule: YYYY-MM-DD HH:MM in the workbench's zone, not in the past."""
    try:
        moment = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
    except ValueError:
        moment = None
    if moment is None or moment < now:
        raise ValidationError("at", "give the time as YYYY-MM-DD HH:MM, not in the past")
    return moment
