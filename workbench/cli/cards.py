"""`workbench cards`: a member's cards and their lifecycle — activate (the customer's phone must
match the application), report lost (frozen at once), found (unfrozen, if no new card was issued
since), reissue after a loss, replace a damaged card. Each is audited and tells the member by SMS;
who may do which is in workbench/usecases/cards.py. Every command signs in."""

from __future__ import annotations

from datetime import datetime, tzinfo

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.usecases.cards import CardDone

app = typer.Typer(
    help="Member cards: list, activate, lost, found, reissue, replace.", no_args_is_help=True
)
console = SafeConsole(highlight=False)

MEMBER = typer.Argument(..., help="Member number or card number (old cards too).")
SAID = {
    "activate": "activated",
    "lost": "frozen (reported lost)",
    "found": "unfrozen (found)",
    "reissue": "issued in place of the lost card",
    "replace": "issued in place of the damaged card",
}


@app.command("list")
def list_command(member: str = MEMBER) -> None:
    """The member's cards, oldest first, and the steps you may take on the current one."""
    listed = state.workbench().usecases.cards.cards(state.staff(), member)
    zone = state.settings().timezone
    line = listed.member
    console.print(Text(f"{line.member_no} {line.masked_name} · {line.tier_code} · {line.status}"))
    table = Table(box=None)  # fits 80 columns: a wrapped card number cannot be copied
    for column in ("card", "status", "issued", "activated", "lost", "closed", "current"):
        table.add_column(column, no_wrap=True)
    for card in listed.cards:
        table.add_row(
            card.card_no,
            card.status,
            _local(card.issued_at, zone),
            _local(card.activated_at, zone),
            _local(card.lost_at, zone),
            _local(card.closed_at, zone),
            "●" if card.current else "",
        )
    console.print(table)
    steps = ", ".join(f"cards {step}" for step in listed.actions) or "none"
    console.print(f"you may: {steps}", markup=False)


@app.command("activate")
def activate_command(
    card: str = typer.Argument(..., help="The card number."),
    phone: str = typer.Option(
        ..., "--phone", prompt="the customer's phone", help="The phone the customer gives."
    ),
) -> None:
    """Activate a card: the phone the customer gives must be the one they applied with."""
    done = state.workbench().usecases.cards.activate(state.staff(), card, phone)
    _said(done)


@app.command("lost")
def lost_command(member: str = MEMBER) -> None:
    """Freeze the member's card at once (SMS and e-mail to the member)."""
    _said(state.workbench().usecases.cards.report_lost(state.staff(), member))


@app.command("found")
def found_command(member: str = MEMBER) -> None:
    """Unfreeze the lost card the member found (not once a new card was issued)."""
    _said(state.workbench().usecases.cards.found(state.staff(), member))


@app.command("reissue")
def reissue_command(member: str = MEMBER) -> None:
    """A new card number in place of the lost card; points and tier are kept."""
    _said(state.workbench().usecases.cards.reissue(state.staff(), member))


@app.command("replace")
def replace_command(member: str = MEMBER) -> None:
    """A new card number in place of a damaged card; points and tier are kept."""
    _said(state.workbench().usecases.cards.replace_damaged(state.staff(), member))


def _said(done: CardDone) -> None:
    old = f" (was {done.old_card_no})" if done.old_card_no else ""
    console.print(
        f"member {done.member_no}: card {done.card_no} {SAID[done.action]}{old}, now {done.status}",
        markup=False,
        soft_wrap=True,
    )


def _local(at: datetime | None, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d") if at else "-"
