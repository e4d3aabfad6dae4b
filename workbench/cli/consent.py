"""`workbench consent`: a member's consent to each kind of third-party sharing and each
marketing channel — show it with its history, record it given or withdrawn. Every command
signs in; every record says who took it down and how the member gave it."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.members.consent import STAFF_METHODS, ConsentKind
from workbench.usecases.consent import ConsentSheet

KINDS = ", ".join(k.value for k in ConsentKind)
METHODS = ", ".join(m.value for m in STAFF_METHODS)

app = typer.Typer(
    help="Consent to sharing and marketing: show, give, withdraw.", no_args_is_help=True
)
console = SafeConsole(highlight=False)


@app.command("show")
def show_command(member: str = typer.Argument(..., help="Member number or card number.")) -> None:
    """What holds now for each kind, and every record, newest first."""
    _print(state.workbench().usecases.consent.show(state.staff(), member))


@app.command("give")
def give_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    kind: str = typer.Argument(..., help=KINDS),
    how: str = typer.Option(..., "--how", help=METHODS),
) -> None:
    """Record that the member gives this consent."""
    _print(state.workbench().usecases.consent.give(state.staff(), member, kind, how))


@app.command("withdraw")
def withdraw_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    kind: str = typer.Argument(..., help=KINDS),
    how: str = typer.Option(..., "--how", help=METHODS),
) -> None:
    """Record that the member withdraws this consent."""
    _print(state.workbench().usecases.consent.withdraw(state.staff(), member, kind, how))


def _print(sheet: ConsentSheet) -> None:
    zone = state.settings().timezone

    def when(at: datetime) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    console.print(Text(f"{sheet.member.member_no} {sheet.member.masked_name}"))
    console.print("consent now:", markup=False)
    for s in sheet.states:
        group = "sharing" if s.sharing else "marketing"
        since = (
            f"since {when(s.since)} ({s.method}, {s.recorded_by})" if s.since else "before records"
        )
        state_word = "given" if s.given else "not given"
        console.print(Text(f"  {s.kind} ({group}): {state_word}, {since}"))
    if sheet.history:
        console.print("history (newest first):", markup=False)
        for h in sheet.history:
            word = "given" if h.given else "withdrawn"
            console.print(
                Text(f"  {when(h.recorded_at)}  {h.kind} {word}  {h.method}  {h.recorded_by}")
            )
