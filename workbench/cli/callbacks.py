"""`workbench callbacks schedule`: a callback for a member, as the profile's F4 form schedules
one: a reason, a window of 1 to 30 days and, if the member asked for one, a date and time of day
to call from (YYYY-MM-DD HH:MM, not in the past). Through the same use case, with its rules: only
a member you may read now (refused in the same words whether or not the member exists), not one
who asked never to be called, nor one who already has an open callback for that reason. Calls
are made within calling hours in the member's store's zone.

`workbench callbacks next | mine | outcome`: the home screen's Ctrl+N and the callback
workspace's Ctrl+S. `next` claims the next callable task through the same use case (a lease and
a grant on the member) and prints the member as the claim's read model shows them (masked), the
script for the reason (in your desk language, as the TUI shows it) and when the grant ends; with
none callable it says why and when, in the home screen's words, and exits 1. `outcome` records
the call's outcome on a task you hold, with the same rules (call_back_later needs --at). A claim
cannot be handed back by hand (there is no such use case): the lease lapses by itself.
Every command signs in."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

import typer
from rich.table import Table
from rich.text import Text

from workbench.callbacks.models import Outcome, Reason
from workbench.cli.output import SafeConsole, cell
from workbench.cli.state import state
from workbench.errors import ValidationError
from workbench.tui.labels import Labels, why_no_callback  # the desk's (no Textual in it)

app = typer.Typer(
    help="Callbacks: schedule one, take the next, record its outcome, list yours.",
    no_args_is_help=True,
)
console = SafeConsole(highlight=False)

REASONS = ", ".join(r.value for r in Reason)
OUTCOMES = ", ".join(o.value for o in Outcome)
FIELD_LABELS = {"id_number": "ID number"}  # the others by their own names
TIME = "%Y-%m-%d %H:%M"
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


@app.command("next")
def next_command() -> None:
    """Claim the next callback you may make now (as Ctrl+N does) and print the member (masked),
    the script and when your access ends; if none can be made, why and when (exit code 1)."""
    wb = state.workbench()
    desk = wb.usecases.callbacks
    staff = state.staff()
    claimed = desk.claim_next_with_view(staff)
    if claimed is None:
        console.print(
            Text(
                why_no_callback(
                    Labels("en"), desk.next_callable(staff), wb.settings.timezone, wb.clock.now()
                )
            )
        )
        raise typer.Exit(1)
    claim, view = claimed.claim, claimed.view
    zone = wb.settings.timezone
    console.print(
        Text(
            f"callback {claim.task_id} claimed: {view.member_no}, {claim.reason} "
            f"(attempt {claim.attempts + 1})"
        )
    )
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for name, shown in view.fields.items():
        if shown.available:  # masked as the claim's grant shows them
            table.add_row(FIELD_LABELS.get(name, name), cell(shown.value))
    console.print(table)
    language = staff.language or wb.settings.locale_language
    console.print(Text(f"script: {Labels(language)(f'script.{claim.reason}')}"))
    console.print(
        Text(
            f"access until {claim.grant_until.astimezone(zone):{TIME}} "
            f"(claim held until {claim.lease_until.astimezone(zone):{TIME}})"
        )
    )
    console.print(
        Text(f"record it: workbench callbacks outcome {claim.task_id} --outcome OUTCOME"),
        soft_wrap=True,
    )


@app.command("mine")
def mine_command() -> None:
    """The callbacks you hold claimed: the member (masked, while your access lasts), when each
    fell due and until when you may see the member."""
    wb = state.workbench()
    tasks = wb.usecases.callbacks.my_tasks(state.staff())
    if not tasks:
        console.print("no callback claimed", markup=False)
        return
    zone = wb.settings.timezone
    for task in tasks:  # one line each, never wrapped: a script may read them
        member = f"{task.member_no} {task.masked_name}" if task.masked_name else task.member_no
        until = _local(task.grant_until, zone) if task.grant_until else "ended"
        line = (
            f"callback {task.task_id}: {member}, {task.reason}, due {_local(task.due_at, zone)}, "
            f"window ends {_local(task.latest_at, zone)}, access until {until}"
        )
        console.print(Text(line), soft_wrap=True)


@app.command("outcome")
def outcome_command(
    task_id: int = typer.Argument(..., metavar="TASK_ID", help="A callback you hold claimed."),
    outcome: str = typer.Option(..., "--outcome", help=f"One of {OUTCOMES}."),
    feedback: str = typer.Option(None, "--feedback", help="The member's feedback (optional)."),
    at: str = typer.Option(
        None,
        "--at",
        help="With call_back_later: when to call again, HH:MM today or YYYY-MM-DD HH:MM.",
    ),
) -> None:
    """Record the outcome of a callback you hold (as Ctrl+S does): the claim and your access
    end; no answer and busy are retried later by themselves, do_not_call is never called again."""
    wb = state.workbench()
    zone = wb.settings.timezone
    call_back_at = None
    if outcome.strip() == Outcome.CALL_BACK_LATER.value:
        call_back_at = _later((at or "").strip(), zone, wb.clock.now())
    elif at is not None:
        raise ValidationError("at", f"only with --outcome {Outcome.CALL_BACK_LATER.value}")
    recorded = wb.usecases.callbacks.record_outcome(
        state.staff(), task_id, outcome.strip(), feedback=feedback, call_back_at=call_back_at
    )
    console.print(
        Text(
            f"callback {recorded.task_id}: outcome {recorded.outcome} recorded "
            f"(the task is {recorded.status})"
        )
    )


def _later(text: str, zone: tzinfo, now: datetime) -> datetime:
    """The workspace's rule: HH:MM today, or YYYY-MM-DD HH:MM, in the workbench's zone (the
    use case then keeps it after now and inside the task's window)."""
    try:
        if " " in text:
            return datetime.strptime(text, TIME).replace(tzinfo=zone)
        at = time.fromisoformat(text)
    except ValueError:
        raise ValidationError("at", "say when to call again: HH:MM or YYYY-MM-DD HH:MM") from None
    return datetime.combine(now.astimezone(zone).date(), at, tzinfo=zone)


def _local(at: datetime | None, zone: tzinfo) -> str:
    if at is None:
        return "-"
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite: stored in UTC
    return aware.astimezone(zone).strftime(TIME)
