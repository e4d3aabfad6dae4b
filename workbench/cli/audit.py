"""`workbench audit`: check the sealed chain against its anchors, anchor its head, rotate the
audit key, and read recent entries (no personal data in them)."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import KeyringError

app = typer.Typer(help="The sealed, anchored audit log.", no_args_is_help=True)
console = SafeConsole(highlight=False)


@app.command("verify")
def verify_command() -> None:
    """Walk the chain and check it against the anchor file; list every finding (exit 1)."""
    report = state.workbench().usecases.protection.verify_audit()
    if report.ok:
        console.print(f"{report.checked} entries checked; the chain is intact", markup=False)
    else:
        first, *others = report.findings
        console.print(f"BROKEN after {report.checked} good entries: {first.text}", markup=False)
        for finding in others:
            console.print(f"  also: {finding.text}", markup=False)
    console.print(_pending_line(report.pending), markup=False)
    if report.keyless_until:
        console.print(
            f"  keyless up to seq {report.keyless_until}: written before entries were sealed "
            "with the audit key, checked as a plain hash chain",
            markup=False,
        )
    if report.anchor is not None:
        console.print(
            f"  anchored at seq {report.anchor.seq} ({report.anchor.at}) in {report.anchor_file}",
            markup=False,
        )
    elif report.ok and report.anchored:
        console.print(
            f"  no anchor yet in {report.anchor_file}: run `workbench audit anchor`",
            markup=False,
        )
    if not report.ok:
        raise typer.Exit(1)


def _pending_line(pending: int) -> str:
    """How many entries wait in audit_pending, written while another transaction held the
    chain head (verify chains what it can first, so these are what it could not)."""
    if not pending:
        return "  0 entries pending sequencing"
    entries = "1 entry" if pending == 1 else f"{pending} entries"
    return (
        f"  {entries} pending sequencing: written while the chain head was taken, not in the "
        "chain yet (the scheduler's sequencer chains them once the head is free)"
    )


@app.command("anchor")
def anchor_command() -> None:
    """Write a signed checkpoint of the chain's head to the anchor file (the scheduler does it
    regularly, and every [audit] anchor_every entries)."""
    wb = state.workbench()
    anchor = wb.usecases.protection.anchor_audit()
    path = wb.settings.effective_audit_anchor_file
    if anchor is None:
        console.print(f"nothing new to anchor since the last anchor in {path}", markup=False)
        return
    console.print(f"anchored seq {anchor.seq} in {path}", markup=False)


@app.command("rotate-key")
def rotate_key_command() -> None:
    """Add a new audit key to the key file and seal new entries and anchors with it (older
    keys stay, so what they sealed still verifies). `keys rotate` rotates it too."""
    settings = state.settings()
    if settings.keys_keyring is not None:
        raise KeyringError(
            "keys come from WORKBENCH_KEYS_KEYRING: rotate the key file, then update it"
        )
    path = settings.effective_keys_file
    version = state.workbench().usecases.protection.add_audit_key(path)
    state.close()
    console.print(f"audit key {version} added to {path} and made active", markup=False)


@app.command("show")
def show_command(
    member_no: str = typer.Option(None, "--member", help="Only entries about this member."),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """Recent entries (supervisors and administrators)."""
    wb = state.workbench()
    rows = wb.usecases.protection.audit_entries(state.staff(), member_no=member_no, limit=limit)
    zone = wb.settings.timezone
    table = Table()
    for column in ("seq", "time", "actor", "action", "member", "purpose", "result", "detail"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.seq),
            row.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            Text(row.actor),
            row.action,
            Text(row.member),
            row.purpose,
            row.result,
            Text(row.detail),
        )
    console.print(table)
