"""`workbench members`: find and show members, masked."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from workbench.cli.state import state
from workbench.errors import NotFound, ValidationError
from workbench.members.profile import MemberProfile, masked_profile

app = typer.Typer(help="Find and show members (personal data masked).", no_args_is_help=True)
console = Console(highlight=False)

FIELD_LABELS = {
    "name": "name",
    "phone": "phone",
    "id_number": "ID number",
    "email": "email",
    "address": "address",
    "birthday": "birthday",
}


@app.command("find")
def find_command(
    phone: str = typer.Option(None, "--phone", help="Exact mobile number."),
    card: str = typer.Option(None, "--card", help="Exact card number (old cards too)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Find one member by exact phone or card number and print the masked profile."""
    if bool(phone) == bool(card):
        raise ValidationError("search", "give exactly one of --phone or --card")
    wb = state.workbench()
    with wb.sessions() as session:
        if phone:
            member = wb.registry.find_by_phone(session, phone)
        else:
            found = wb.registry.find_by_card(session, card)
            member = found[0] if found else None
        if member is None:
            raise NotFound("no member with that " + ("phone number" if phone else "card number"))
        _print(masked_profile(wb, session, member), as_json)


@app.command("show")
def show_command(
    member_no: str = typer.Argument(..., help="Member number, e.g. M012345678."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Print one member's masked profile."""
    wb = state.workbench()
    with wb.sessions() as session:
        _print(masked_profile(wb, session, wb.registry.get(session, member_no)), as_json)


def _print(profile: MemberProfile, as_json: bool) -> None:
    if as_json:
        print(json.dumps(profile.to_dict(), ensure_ascii=False, indent=2))
        return
    zone = state.settings().timezone
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("member", profile.member_no),
        ("status", profile.status),
        ("store", f"{profile.store_code} {profile.store_name}"),
        ("tier", f"{profile.tier_label} ({profile.tier_code})"),
        ("card", f"{profile.card_no or '-'} ({profile.card_status or 'none'})"),
        ("joined", _local(profile.joined_at, zone)),
    ]
    rows += [(FIELD_LABELS[k], v or "-") for k, v in profile.masked.items()]
    rows += [
        ("points", str(profile.points_balance)),
        (
            "expiring",
            f"{profile.points_expiring} by {_local(profile.points_first_expiry, zone)}"
            if profile.points_expiring
            else "none soon",
        ),
        ("purchases", f"{profile.purchases} (last {_local(profile.last_purchase_at, zone)})"),
    ]
    for label, value in rows:
        table.add_row(label, Text(value))  # member text is data, never markup
    console.print(table)


def _local(at: datetime | None, zone) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "-"
