"""`workbench members`: find and show members through the access layer (masked unless
revealed with a reason), export, statistics and change requests. Every command signs in."""

from __future__ import annotations

import sys
from datetime import datetime, tzinfo
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.exports import format_for, rows_of_csv, write_xlsx
from workbench.cli.output import SafeConsole, print_json
from workbench.cli.reports import legend, shown
from workbench.cli.state import state
from workbench.errors import NotFound, ValidationError
from workbench.permissions.access import Purpose
from workbench.views.profile import MemberProfile

app = typer.Typer(help="Members: find, show, reveal, export, changes.", no_args_is_help=True)
console = SafeConsole(highlight=False)

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
    purpose: Purpose = typer.Option(Purpose.SERVICE, "--purpose"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Find one member by exact phone or card number and print the profile."""
    if bool(phone) == bool(card):
        raise ValidationError("search", "give exactly one of --phone or --card")
    members = state.workbench().usecases.members
    staff = state.staff()
    if phone:
        view = members.find_by_phone(staff, phone, purpose)
    else:
        view = members.find_by_card(staff, card, purpose)
    if view is None:
        raise NotFound("no member with that " + ("phone number" if phone else "card number"))
    _print(members.profile(staff, view), as_json)


@app.command("show")
def show_command(
    member_no: str = typer.Argument(..., help="Member number, e.g. M012345678."),
    purpose: Purpose = typer.Option(Purpose.SERVICE, "--purpose"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Print the profile of a member you may see (own customer, own store, or granted)."""
    members = state.workbench().usecases.members
    staff = state.staff()
    _print(members.profile(staff, members.view(staff, member_no, purpose)), as_json)


@app.command("reveal")
def reveal_command(
    member_no: str = typer.Argument(...),
    field: str = typer.Argument(..., help=", ".join(FIELD_LABELS)),
    purpose: str = typer.Option(
        ...,
        "--purpose",
        help="Why you need it, one of [access] reveal_purposes (e.g. callback, 回访); recorded.",
    ),
    note: str = typer.Option(
        "", "--note", help="More words on why (optional; no phone, ID number or e-mail)."
    ),
) -> None:
    """Show one field unmasked for a few minutes; recorded in the audit log. Beyond the hour's
    limit of reveals a supervisor must approve (`workbench access approve`)."""
    wb = state.workbench()
    shown = wb.usecases.members.reveal(state.staff(), member_no, field, purpose, note)
    until = (
        shown.revealed_until.astimezone(wb.settings.timezone).strftime("%H:%M:%S")
        if shown.revealed_until is not None  # a revealed field always has an end
        else "-"
    )
    console.print(Text(f"{FIELD_LABELS[field]}: {shown.value or '-'} (until {until})"))


@app.command("export")
def export_command(
    store: str = typer.Option(None, "--store", help="Only this store's members."),
    output: str = typer.Option("-", "--output", "-o", help="File to write; - for stdout."),
    fmt: str = typer.Option(
        None, "--format", help="csv or xlsx (default: by the --output file's suffix, else csv)."
    ),
) -> None:
    """A masked member list as CSV or XLSX, for roles allowed to export (audited)."""
    fmt = format_for(fmt, output, default="csv")
    if fmt not in ("csv", "xlsx"):
        raise ValidationError("format", "csv or xlsx")
    if fmt == "xlsx" and output == "-":
        raise ValidationError("output", "a file to write the workbook to (--output members.xlsx)")
    wb = state.workbench()
    export = wb.usecases.members.export(state.staff(), store_code=store)
    if fmt == "xlsx":
        stamp, header, rows = rows_of_csv(export.text)
        write_xlsx(Path(output), stamp, header, rows)
        console.print(f"{export.rows} members written to {output}", markup=False)
    elif output == "-":
        sys.stdout.write(export.text)
    else:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(export.text)
        console.print(f"{export.rows} members written to {output}", markup=False)


@app.command("counts")
def counts_command(
    by: str = typer.Option("store,tier", "--by", help="store, tier or store,tier"),
) -> None:
    """Active members by store and tier; groups smaller than the minimum are hidden."""
    parts = {p.strip() for p in by.split(",")}
    if not parts or parts - {"store", "tier"}:
        raise ValidationError("by", "store, tier or store,tier")
    wb = state.workbench()
    rows = wb.usecases.members.counts(
        state.staff(), by_store="store" in parts, by_tier="tier" in parts
    )
    table = Table()
    for column in [c for c in ("store", "tier") if c in parts] + ["members"]:
        table.add_column(column)
    minimum = wb.settings.protection_min_group_size
    for row in rows:
        table.add_row(*row.group, shown(row.count, minimum, row.hidden))
    console.print(table)
    console.print(legend(minimum), markup=False)


@app.command("change")
def change_command(
    member_no: str = typer.Argument(...),
    field: str = typer.Argument(..., help=", ".join(FIELD_LABELS)),
    value: str = typer.Argument(..., help="The new value."),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Ask for a change to a member's data; a second person approves it."""
    wb = state.workbench()
    change = wb.usecases.members.request_change(state.staff(), member_no, field, value, reason)
    console.print(
        Text(
            f"change request {change.id}: {field} {change.old_value_masked} → "
            f"{change.new_value_masked}, waiting for approval"
        )
    )


@app.command("changes")
def changes_command() -> None:
    """Change requests waiting for a decision."""
    wb = state.workbench()
    table = Table()
    for column in ("id", "member", "field", "old", "new", "reason", "requested"):
        table.add_column(column)
    for change in wb.usecases.members.pending_changes(state.staff()):
        table.add_row(
            str(change.id),
            Text(change.member),
            change.field,
            Text(change.old_value_masked or "-"),
            Text(change.new_value_masked or "-"),
            Text(change.reason),
            Text(f"{change.requested_at:%Y-%m-%d %H:%M} {change.requested_by}"),
        )
    console.print(table)


@app.command("decide")
def decide_command(
    request_id: int = typer.Argument(...),
    approve: bool = typer.Option(..., "--approve/--reject"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Approve or reject a change request made by someone else."""
    wb = state.workbench()
    change = wb.usecases.members.decide_change(
        state.staff(), request_id, approve=approve, note=note
    )
    console.print(f"change request {change.id} {change.status}", markup=False)


@app.command("assign-agent")
def assign_agent_command(
    member_no: str = typer.Argument(...),
    staff: str = typer.Argument(..., help="The agent's username."),
) -> None:
    """Give a member of silver and above (telephony.assigned_agent_min_rank) an assigned agent
    (专属客服): their calls ring that agent first (supervisors, administrators; audited)."""
    wb = state.workbench()
    done = wb.usecases.assigned_agents.assign(state.staff(), member_no, staff)
    console.print(f"{done.member_no} ({done.tier_code}): assigned agent {done.agent}", markup=False)


@app.command("unassign-agent")
def unassign_agent_command(member_no: str = typer.Argument(...)) -> None:
    """Take away a member's assigned agent: their calls go to the priority queue."""
    wb = state.workbench()
    done = wb.usecases.assigned_agents.unassign(state.staff(), member_no)
    console.print(f"{done.member_no}: no assigned agent", markup=False)


@app.command("erase-terminated")
def erase_terminated_command(
    batch_size: int = typer.Option(500, min=1, help="Members erased per transaction."),
) -> None:
    """Erase what complaints, callbacks, messages, calls and change requests still hold of
    members terminated before erasure covered them (administrators; safe to run again)."""
    wb = state.workbench()
    done = wb.usecases.members.erase_terminated(state.staff(), batch_size=batch_size)
    console.print(f"{done} terminated members erased everywhere", markup=False)


def _print(profile: MemberProfile, as_json: bool) -> None:
    if as_json:
        print_json(profile.to_dict())
        return
    zone = state.settings().timezone
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    until = f" until {_local(profile.access_until, zone)}" if profile.access_until else ""
    rows = [
        ("member", profile.member_no),
        ("status", profile.status),
        ("store", f"{profile.store_code} {profile.store_name}"),
        ("tier", f"{profile.tier_label} ({profile.tier_code})"),
        ("card", f"{profile.card_no or '-'} ({profile.card_status or 'none'})"),
        ("joined", _local(profile.joined_at, zone)),
        ("access", f"{profile.access_basis}{until}"),
    ]
    rows += [(FIELD_LABELS[k], v if v is not None else "-") for k, v in profile.fields.items()]
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
    for message in profile.messages:
        sent = _local(message.sent_at, zone) if message.sent_at else "-"
        rows.append(
            (
                "message",
                f"{_local(message.created_at, zone)} {message.channel} "
                f"{message.template}: {message.status} (sent {sent})",
            )
        )
    for label, value in rows:
        table.add_row(label, Text(value))  # member text is data, never markup
    console.print(table)


def _local(at: datetime | None, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "-"
