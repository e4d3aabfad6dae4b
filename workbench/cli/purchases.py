"""`workbench purchases`: a store's till from the command line — record a purchase with its
receipt, take a return, list a member's purchases. Every command signs in; the rules are the
till's use case (workbench/usecases/till.py)."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.usecases.member_refs import MemberLine

app = typer.Typer(help="Purchases and returns at a store's till.", no_args_is_help=True)
console = SafeConsole(highlight=False, soft_wrap=True)


def _member(line: MemberLine) -> str:
    return f"{line.member_no} {line.masked_name}"


@app.command("record")
def record_command(
    reference: str = typer.Argument(..., help="Card number or member number."),
    amount: str = typer.Argument(..., help="Amount in yuan, e.g. 128.50."),
    receipt: str = typer.Option(..., "--receipt", help="The till's receipt number."),
    store: str = typer.Option(
        None, "--store", help="Store code (staff of no store only; others record at theirs)."
    ),
) -> None:
    """Record a purchase; the same receipt again shows the first recording."""
    wb = state.workbench()
    done = wb.usecases.till.record_purchase(state.staff(), reference, amount, receipt, store)
    again = " (already recorded)" if done.repeated else ""
    console.print(
        Text(
            f"receipt {done.receipt} at {done.store_code}{again}: {_member(done.member)}, "
            f"{done.amount} yuan, +{done.points_earned} points, balance {done.balance}"
        )
    )


@app.command("return")
def return_command(
    receipt: str = typer.Argument(
        ..., help="Receipt number, or an Odoo order's odoo:<model>:<id>."
    ),
    amount: str = typer.Argument(..., help="Amount returned in yuan (the whole: a cancellation)."),
    ref: str = typer.Option(..., "--ref", help="The return slip's own number."),
    store: str = typer.Option(None, "--store", help="Store of the receipt (staff of no store)."),
) -> None:
    """Record a return of (part of) a purchase: the points it earned are taken back."""
    wb = state.workbench()
    done = wb.usecases.till.record_return(state.staff(), receipt, amount, ref, store)
    again = " (already recorded)" if done.repeated else ""
    shortfall = (
        f"; {done.points_shortfall} points already spent (shortfall recorded)"
        if done.points_shortfall
        else ""
    )
    console.print(
        Text(
            f"return {done.return_ref} of receipt {done.receipt} at {done.store_code}{again}: "
            f"{_member(done.member)}, {done.amount} yuan "
            f"({done.returned_total} of {done.purchase_amount} returned), "
            f"-{done.points_reversed} points{shortfall}, balance {done.balance}"
        )
    )


@app.command("list")
def list_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    limit: int = typer.Option(50, min=1, max=500, help="How many purchases, newest first."),
) -> None:
    """A member's purchases with their returns."""
    wb = state.workbench()
    listed = wb.usecases.till.purchases(state.staff(), member, limit)
    zone = wb.settings.timezone
    table = Table(title=f"{_member(listed.member)} · balance {listed.balance}")
    for column in ("when", "receipt", "store", "amount", "points", "returns"):
        table.add_column(column)
    for p in listed.purchases:
        returns = "; ".join(
            f"{r.return_ref} {r.amount} (-{r.points_reversed}"
            + (f", short {r.points_shortfall}" if r.points_shortfall else "")
            + ")"
            for r in p.returns
        )
        table.add_row(
            f"{p.when.astimezone(zone):%Y-%m-%d %H:%M}",
            Text(p.receipt),
            p.store_code,
            str(p.amount),
            str(p.points_earned),
            Text(returns or "-"),
        )
    console.print(table)
