"""`workbench tiers` and `workbench points`: the tier scheme, the periodic review, manual grants,
points expiry, adjustments."""

from __future__ import annotations

import typer
from rich.table import Table

from workbench.cli.output import SafeConsole
from workbench.cli.state import state

app = typer.Typer(help="Tier schemes and the periodic tier review.", no_args_is_help=True)
points_app = typer.Typer(
    help="Points: redemptions, activity credits, the ledger, expiry and adjustments.",
    no_args_is_help=True,
)  # redeem, credit, rules and ledger are in workbench/cli/points.py
console = SafeConsole(highlight=False)


@app.command("show")
def show_command() -> None:
    """The tier scheme in force."""
    wb = state.workbench()
    table = Table(title=f"tier scheme: {wb.scheme.name}")
    for column in ("code", "label", "points", "discount", "referral", "qualifies by"):
        table.add_column(column)
    for tier in wb.scheme.tiers:
        rules = [
            f"spend ≥ {tier.qualify_spend}" if tier.qualify_spend is not None else "",
            f"visits ≥ {tier.qualify_visits}" if tier.qualify_visits is not None else "",
            f"one purchase ≥ {tier.qualify_single_purchase}"
            if tier.qualify_single_purchase is not None
            else "",
            "manual grant" if tier.manual_grant else "",
        ]
        table.add_row(
            tier.code,
            tier.label(wb.settings.locale_language),
            f"{tier.points_per_unit} per {tier.unit_yuan} yuan",
            "-" if tier.discount == 1 else f"x{tier.discount}",
            str(tier.referral_bonus),
            ", ".join(r for r in rules if r) or "base tier",
        )
    console.print(table)


@app.command("review")
def review_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the changes, write nothing."),
    limit: int = typer.Option(20, help="How many changes to list."),
) -> None:
    """Promote and demote members from their spend and visits in the review period. Run by a
    signed-in supervisor or administrator (the list names members and their spend)."""
    wb = state.workbench()
    result = wb.usecases.tiers.review(state.staff(), dry_run=dry_run)
    changes = result.changes
    table = Table(title=f"{len(changes)} tier changes" + (" (dry run)" if dry_run else ""))
    for column in ("member", "from", "to", "spend in period", "visits"):
        table.add_column(column)
    for change in changes[:limit]:
        table.add_row(
            change.member_no,
            change.old_tier,
            change.new_tier,
            str(change.spend),
            str(change.visits),
        )
    console.print(table)
    for (old, new), n in sorted(result.moves.items()):
        console.print(f"  {old} → {new}: {n}", markup=False)
    if result.applied:
        console.print(f"applied {len(changes)} changes", markup=False)


@app.command("grant")
def grant_command(
    member_no: str = typer.Argument(...),
    tier: str = typer.Argument(..., help="A tier that may be granted by hand (e.g. platinum)."),
    reason: str = typer.Option(..., "--reason"),
    requested_by: str = typer.Option(
        ..., "--requested-by", help="Username of the colleague who asked for it."
    ),
) -> None:
    """Approve a manual tier grant that a colleague asked for: you, signed in as a supervisor
    or administrator, are the approver (recorded, with the requester, in the audit log)."""
    wb = state.workbench()
    granted = wb.usecases.tiers.grant(
        state.staff(), member_no, tier, reason=reason, requested_by=requested_by
    )
    console.print(
        f"{granted.member_no} is {granted.tier_code} until {granted.until:%Y-%m-%d}",
        markup=False,
    )


@points_app.command("expire")
def expire_command() -> None:
    """Write expiry lines for points past their expiry date (safe to run again)."""
    expired = state.workbench().usecases.tiers.expire_points()
    console.print(f"{expired} points expired", markup=False)


@points_app.command("expiring")
def expiring_command(
    days: int = typer.Option(None, help="Window in days (default: the reminder setting)."),
) -> None:
    """How many members have points expiring soon, and how many points."""
    expiring = state.workbench().usecases.tiers.expiring(days)
    console.print(
        f"{expiring.members} members have {expiring.points} points expiring within "
        f"{expiring.days} days",
        markup=False,
    )


@points_app.command(
    "adjust",
    # A negative number of points ("-500") is an argument, not an unknown option.
    context_settings={"ignore_unknown_options": True},
)
def adjust_command(
    member_no: str = typer.Argument(...),
    points: int = typer.Argument(..., help="Points to credit, or to take if negative."),
    reason: str = typer.Option(..., "--reason", help="Why: kept in the ledger and the audit."),
) -> None:
    """Correct a member's points either way, with the reason. Run by a signed-in supervisor or
    administrator; recorded in the ledger, the member's history and the audit log."""
    adjusted = state.workbench().usecases.tiers.adjust_points(
        state.staff(), member_no, points, reason
    )
    console.print(
        f"{adjusted.member_no}: {adjusted.points:+d} points ({adjusted.reason}); "
        f"balance {adjusted.balance}",
        markup=False,
    )
