"""`workbench termination`: record a member's request to leave, give notice (sent to the member
with the reason and the date), withdraw a voluntary request before that date, end a voluntary
membership at once, list what is pending, and run the terminations whose notice has ended (what
the scheduler's job does). Members are named by member or card number. Every command signs in."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.members.registry import TerminationReason
from workbench.usecases.termination import TerminationDone

app = typer.Typer(
    help="Terminations: request, notice, withdraw, now, list, run-due.", no_args_is_help=True
)
console = SafeConsole(highlight=False)
REASONS = ", ".join(r.value for r in TerminationReason)


@app.command("request")
def request_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    reason: str = typer.Option("voluntary", "--reason", help="Only voluntary is asked for."),
    note: str = typer.Option("", "--note", help="What the member said (kept encrypted)."),
) -> None:
    """Record the member's own request to end the membership."""
    desk = state.workbench().usecases.termination
    _said("request recorded", desk.request(state.staff(), member, reason=reason, note=note))


@app.command("notice")
def notice_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    reason: str = typer.Option(..., "--reason", help=REASONS),
) -> None:
    """Give notice of the termination (supervisors): the member is sent the reason and date."""
    desk = state.workbench().usecases.termination
    _said("notice given", desk.give_notice(state.staff(), member, reason=reason))


@app.command("withdraw")
def withdraw_command(
    member: str = typer.Argument(..., help="Member number or card number."),
) -> None:
    """The member withdraws their voluntary request (before the date it takes effect)."""
    desk = state.workbench().usecases.termination
    _said("request withdrawn", desk.withdraw(state.staff(), member))


@app.command("now")
def now_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """End a voluntary membership today (supervisors): points and stored goods settled,
    personal data erased. Cannot be undone."""
    if not yes and not typer.confirm(
        f"End the membership of {member} now and erase the member's data?", default=False
    ):
        console.print("nothing done", markup=False)
        raise typer.Exit(1)
    desk = state.workbench().usecases.termination
    _said("membership terminated", desk.terminate_now(state.staff(), member))


@app.command("list")
def list_command() -> None:
    """Requests and notices not yet carried out, soonest due first (supervisors): one line
    each, with who asked, who gave notice and when it takes effect."""
    desk = state.workbench().usecases.termination
    lines = desk.pending(state.staff())
    for line in lines:
        console.print(
            Text(
                f"{line.member.member_no} {line.member.masked_name}  {line.reason}  "
                f"{line.status}  requested by {line.requested_by} {_local(line.requested_at)}  "
                f"notice by {line.notice_by}  due {_local(line.due_at)}"
            ),
            soft_wrap=True,
        )
    console.print(f"{len(lines)} pending", markup=False)


@app.command("run-due")
def run_due_command(
    batch_size: int = typer.Option(100, min=1, help="Cases read per batch."),
) -> None:
    """Terminate every member whose notice period has ended (what the scheduler does)."""
    desk = state.workbench().usecases.termination
    run = desk.run_due(state.staff(), batch_size=batch_size)
    for member_no in run.terminated:
        console.print(f"terminated {member_no}", markup=False)
    console.print(
        f"{len(run.terminated)} terminated, {run.skipped} skipped, {run.failed} failed",
        markup=False,
    )
    if run.failed:
        raise typer.Exit(1)


def _said(what: str, done: TerminationDone) -> None:
    line = done.case
    due = f", takes effect {_local(line.due_at)}" if line.due_at else ""
    sent = f", {done.messages} message(s) to the member queued" if done.messages else ""
    console.print(
        Text(
            f"{what}: {line.member.member_no} {line.member.masked_name} ({line.reason}){due}{sent}"
        ),
        soft_wrap=True,
    )


def _local(at: datetime | None) -> str:
    return at.astimezone(state.settings().timezone).strftime("%Y-%m-%d %H:%M") if at else "-"
