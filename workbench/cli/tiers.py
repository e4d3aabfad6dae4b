"""`workbench tiers` and `workbench points`: the tier scheme, the periodic review, manual grants,
points expiry."""

from __future__ import annotations

from collections import Counter

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from workbench.cli.state import state
from workbench.errors import NotFound
from workbench.members.models import Staff
from workbench.members.registry import TIER_APPROVERS, require_role

app = typer.Typer(help="Tier schemes and the periodic tier review.", no_args_is_help=True)
points_app = typer.Typer(help="Points expiry.", no_args_is_help=True)
console = Console(highlight=False)


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
    actor = state.staff()
    require_role(actor, TIER_APPROVERS, "run the tier review")
    with wb.sessions() as session:
        changes = wb.tier_review.proposed_changes(session)
        moves = Counter((c.old_tier, c.new_tier) for c in changes)
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
        for (old, new), n in sorted(moves.items()):
            console.print(f"  {old} → {new}: {n}", markup=False)
        if not dry_run:
            wb.tier_review.apply(session, changes, actor=actor)
            session.commit()
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
    approver = state.staff()
    with wb.sessions() as session:
        member = wb.registry.grant_tier(
            session,
            member_no=member_no,
            tier_code=tier,
            reason=reason,
            requested_by=_staff(session, requested_by),
            approved_by=approver,
        )
        session.commit()
        console.print(
            f"{member.member_no} is {member.tier_code} until {member.tier_locked_until:%Y-%m-%d}",
            markup=False,
        )


@points_app.command("expire")
def expire_command() -> None:
    """Write expiry lines for points past their expiry date (safe to run again)."""
    wb = state.workbench()
    with wb.sessions() as session:
        expired = wb.ledger.expire_due(session)
        session.commit()
    console.print(f"{expired} points expired", markup=False)


@points_app.command("expiring")
def expiring_command(
    days: int = typer.Option(None, help="Window in days (default: the reminder setting)."),
) -> None:
    """How many members have points expiring soon, and how many points."""
    wb = state.workbench()
    days = days or wb.settings.members_expiry_reminder_days
    with wb.sessions() as session:
        rows = wb.ledger.expiring_within(session, days)
    total = sum(r.points for r in rows)
    console.print(
        f"{len(rows)} members have {total} points expiring within {days} days", markup=False
    )


def _staff(session, username: str) -> Staff:
    staff = session.scalar(select(Staff).where(Staff.username == username))
    if staff is None:
        raise NotFound(f"no staff member {username!r}")
    return staff
