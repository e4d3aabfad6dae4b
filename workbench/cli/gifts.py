"""`workbench gifts`: the gift catalogue — list it (everyone at a counter), and, as a supervisor
or administrator, import config/rewards.toml, add an item, change its stock, retire it. Every
command signs in; the rules are the points desk's (workbench/usecases/points.py)."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import ValidationError
from workbench.members.gift_config import GiftKind, Reward
from workbench.usecases.points import GiftLine

app = typer.Typer(help="The gift catalogue points are redeemed against.", no_args_is_help=True)
console = SafeConsole(highlight=False, soft_wrap=True)


def describe(line: GiftLine) -> str:
    stock = "unlimited" if line.stock is None else f"{line.stock} in stock"
    retired = ", retired" if not line.active else ""
    return f"{line.code} ({line.kind}, {line.points} points, {stock}{retired})"


@app.command("list")
def list_command(
    retired: bool = typer.Option(False, "--retired", help="Include retired items."),
) -> None:
    """The catalogue: price, stock, lowest tier and limits of each item."""
    wb = state.workbench()
    gifts = wb.usecases.points.gifts(state.staff(), include_retired=retired)
    language = wb.settings.locale_language
    table = Table(title=f"{len(gifts)} gifts")
    table.add_column("code", no_wrap=True)
    for column in ("label", "kind", "points", "stock"):
        table.add_column(column)
    table.add_column("tier", no_wrap=True)
    table.add_column("limits")
    for g in gifts:
        limits = [
            f"{g.daily_limit}/day" if g.daily_limit is not None else "",
            f"{g.total_limit} ever" if g.total_limit is not None else "",
        ]
        table.add_row(
            Text(g.code if g.active else f"{g.code} (retired)"),
            Text(g.label(language)),
            g.kind,
            str(g.points),
            "unlimited" if g.stock is None else str(g.stock),
            g.min_tier or "all",
            ", ".join(x for x in limits if x) or "-",
        )
    console.print(table)


@app.command("import")
def import_command() -> None:
    """Load config/rewards.toml into the catalogue: new items added, the others' labels, price,
    kind, tier and limits updated; stock and retirement left as managed. Safe to run again."""
    done = state.workbench().usecases.points.import_gifts(state.staff())
    console.print(f"{done.added} gifts added, {done.updated} updated", markup=False)


@app.command("add")
def add_command(
    code: str = typer.Argument(..., help="Item code, e.g. umbrella-2026."),
    points: int = typer.Argument(..., help="The price in points."),
    label_zh: str = typer.Option(..., "--label-zh"),
    label_en: str = typer.Option(..., "--label-en"),
    kind: GiftKind = typer.Option(GiftKind.GIFT, "--kind", help="gift, or voucher (codes)."),
    stock: int = typer.Option(None, "--stock", help="Units in stock (default: unlimited)."),
    min_tier: str = typer.Option(None, "--min-tier", help="Lowest tier that may redeem it."),
    daily_limit: int = typer.Option(None, "--daily-limit", help="Units per member per day."),
    total_limit: int = typer.Option(None, "--total-limit", help="Units per member ever."),
) -> None:
    """Add an item to the catalogue (supervisors and administrators)."""
    reward = Reward(
        code=code,
        label_zh=label_zh,
        label_en=label_en,
        points=points,
        kind=kind,
        stock=stock,
        min_tier=min_tier,
        daily_limit=daily_limit,
        total_limit=total_limit,
    )
    added = state.workbench().usecases.points.add_gift(state.staff(), reward)
    console.print(Text(f"added {describe(added)}"))


@app.command(
    "stock",
    # "-5" is a number of units, not an unknown option.
    context_settings={"ignore_unknown_options": True},
)
def stock_command(
    code: str = typer.Argument(...),
    change: str = typer.Argument(..., help="Units to add (+N) or take (-N)."),
) -> None:
    """Add units to an item's stock, or take them (supervisors and administrators)."""
    try:
        units = int(change)
    except ValueError:
        raise ValidationError("stock", "give the units to add (+N) or take (-N)") from None
    line = state.workbench().usecases.points.restock(state.staff(), code, units)
    console.print(Text(f"{describe(line)}"))


@app.command("retire")
def retire_command(code: str = typer.Argument(...)) -> None:
    """Take an item out of the catalogue: no more redemptions (its history stays)."""
    line = state.workbench().usecases.points.retire(state.staff(), code)
    console.print(Text(f"retired {describe(line)}"))
