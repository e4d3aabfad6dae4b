"""`workbench points redeem | credit | rules | ledger`: redeem against the gift catalogue, credit
activity points by a named rule, and a member's ledger with the running balance and the lots
still alive. Added to the `points` group of workbench/cli/tiers.py; the rules are the points
desk's (workbench/usecases/points.py)."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.cli.tiers import points_app
from workbench.usecases.member_refs import MemberLine

console = SafeConsole(highlight=False, soft_wrap=True)


def _member(line: MemberLine) -> str:
    return f"{line.member_no} {line.masked_name}"


@points_app.command("redeem")
def redeem_command(
    reference: str = typer.Argument(..., help="Card number (the card presented) or member number."),
    gift: str = typer.Argument(..., help="Gift code (see `workbench gifts list`)."),
    quantity: int = typer.Option(1, "--quantity", "-q", min=1),
) -> None:
    """Redeem points for a gift or voucher. A voucher's codes are shown this once: hand them to
    the member (only their digests are kept)."""
    wb = state.workbench()
    done = wb.usecases.points.redeem(state.staff(), reference, gift, quantity)
    console.print(
        Text(
            f"{_member(done.member)}: {done.quantity} x {done.gift.code} for {done.points} "
            f"points; balance {done.balance}"
        )
    )
    for code in done.voucher_codes:
        console.print(Text(f"voucher code: {code}"))


@points_app.command("credit")
def credit_command(
    reference: str = typer.Argument(..., help="Card number or member number."),
    rule: str = typer.Argument(..., help="Activity rule (see `workbench points rules`)."),
) -> None:
    """Credit activity points by a named rule (config/activity_rules.toml)."""
    done = state.workbench().usecases.points.credit_activity(state.staff(), reference, rule)
    console.print(
        Text(
            f"{_member(done.member)}: +{done.points} points ({done.rule.code}); "
            f"balance {done.balance}"
        )
    )


@points_app.command("rules")
def rules_command() -> None:
    """The activity rules you may credit."""
    wb = state.workbench()
    rules = wb.usecases.points.activity_rules(state.staff())
    table = Table(title=f"{len(rules)} activity rules you may credit")
    for column in ("rule", "label", "points", "a day per member"):
        table.add_column(column)
    for r in rules:
        table.add_row(
            Text(r.code),
            Text(r.label(wb.settings.locale_language)),
            str(r.points),
            str(r.daily_max),
        )
    console.print(table)


@points_app.command("ledger")
def ledger_command(
    reference: str = typer.Argument(..., help="Card number or member number."),
    limit: int = typer.Option(50, "--limit", min=1, help="How many of the latest lines."),
) -> None:
    """A member's points ledger with the running balance, and what expires when."""
    wb = state.workbench()
    ledger = wb.usecases.points.member_ledger(state.staff(), reference, limit)
    zone = wb.settings.timezone

    def local(at: datetime | None) -> str:
        return "-" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    shown = len(ledger.lines)
    table = Table(title=f"{_member(ledger.member)}: {shown} of {ledger.total_lines} lines")
    for column in ("when", "kind", "points", "balance", "detail", "staff", "expires"):
        table.add_column(column)
    for line in ledger.lines:
        table.add_row(
            local(line.when),
            line.kind,
            f"{line.points:+d}",
            str(line.running_balance),
            Text(line.detail),
            Text(line.staff),
            local(line.expires_at),
        )
    console.print(table)
    console.print(
        f"balance {ledger.stored_balance}; spendable now {ledger.spendable}"
        + (
            f" ({ledger.lapsed_unrecorded} expired, not yet written off)"
            if ledger.lapsed_unrecorded
            else ""
        ),
        markup=False,
    )
    for lot in ledger.lots:
        console.print(f"  {lot.points} points expire {local(lot.expires_at)}", markup=False)
    if not ledger.lots:
        console.print("  no points expiring", markup=False)
