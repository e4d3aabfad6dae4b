"""`workbench goods`: stored goods (存货) kept for members at a store — record a lot, hand it
over partly or fully, list a member's or a store's lots. Every command signs in."""

from __future__ import annotations

import typer
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import ValidationError
from workbench.usecases.goods import GoodsLine, GoodsList

app = typer.Typer(help="Stored goods: record, pick up, list.", no_args_is_help=True)
console = SafeConsole(highlight=False)


@app.command("record")
def record_command(
    member: str = typer.Argument(..., help="Member number or card number."),
    item: str = typer.Argument(..., help="What is kept, e.g. 燕窝礼盒 500g."),
    quantity: str = typer.Argument(..., help="How many."),
    until: str = typer.Option(..., "--until", help="Pick-up date, e.g. 2026-04-30."),
    store: str = typer.Option(None, "--store", help="Store code (head office only)."),
) -> None:
    """Keep a lot for the member at your store until the pick-up date."""
    line = state.workbench().usecases.goods.record(
        state.staff(), member, item, quantity, until, store_code=store
    )
    console.print(
        Text(f"goods #{line.goods_id} recorded: {line.item} × {line.quantity} at {line.store_code}")
    )


@app.command("pickup")
def pickup_command(
    goods_id: str = typer.Argument(..., metavar="ID", help="The lot's number (goods list)."),
    quantity: str = typer.Argument(..., help="How many are handed over."),
) -> None:
    """Hand part or all of a lot over."""
    done = state.workbench().usecases.goods.pick_up(state.staff(), goods_id, quantity)
    line = done.line
    console.print(
        Text(f"goods #{line.goods_id}: {done.taken} handed over, {line.quantity} still held")
    )


@app.command("list")
def list_command(
    member: str = typer.Option(None, "--member", help="A member's lots (number or card)."),
    store: str = typer.Option(None, "--store", help="A store's held lots (head office)."),
    overdue: bool = typer.Option(False, "--overdue", help="Only lots past their date."),
) -> None:
    """A member's lots, or the lots still held at a store (yours, or any for head office)."""
    if member and store:
        raise ValidationError("list", "give --member or --store, not both")
    desk, staff = state.workbench().usecases.goods, state.staff()
    if member:
        listed = desk.of_member(staff, member)
        if overdue:
            listed = GoodsList(tuple(g for g in listed.lines if g.overdue), None, listed.truncated)
    else:
        listed = desk.of_store(staff, store, overdue_only=overdue)
    _print(listed)


def _print(listed: GoodsList) -> None:
    """One line a lot (scripts read it; a table would squeeze the item text)."""
    if not listed.lines:
        console.print("no stored goods", markup=False)
        return
    for line in listed.lines:
        console.print(Text("  ".join(_cells(line))))
    if listed.truncated:
        console.print(f"only the first {len(listed.lines)} shown", markup=False)


def _cells(line: GoodsLine) -> list[str]:
    zone = state.settings().timezone
    status = "overdue" if line.overdue else line.status.replace("_", " ")
    return [
        f"#{line.goods_id}",
        f"{line.member.member_no} {line.member.masked_name}",
        line.store_code,
        line.item,
        f"held {line.quantity}/{line.initial_quantity}",
        f"kept {line.kept_since.astimezone(zone).strftime('%Y-%m-%d')}",
        f"pick up by {line.pick_up_by.isoformat()}",
        status,
        f"recorded by {line.recorded_by}",
    ]
