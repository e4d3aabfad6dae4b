"""`workbench calendar show`: the business calendar the SLA clocks use for a year (and a store):
its weekly pattern, the public holidays and make-up working days, and the configured overrides."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from workbench.cli.output import SafeConsole, cell
from workbench.cli.state import state
from workbench.masking.text import safe_for_terminal

app = typer.Typer(help="The SLA business calendar.", no_args_is_help=True)
console = SafeConsole(highlight=False)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@app.command("show")
def show(
    year: int = typer.Option(..., "--year", help="The year to show, e.g. 2027."),
    store: str = typer.Option(None, "--store", help="A store's code: with its own days too."),
) -> None:
    """Holidays, make-up working days and store overrides the SLA clocks will use."""
    wb = state.workbench()
    shown = wb.usecases.calendar.show(state.staff(), year=year, store=store)
    days = ", ".join(WEEKDAYS[d - 1] for d in shown.workdays)
    where = f"store {shown.store}" if shown.store else "every store"
    public = (
        f"public holidays from {shown.source}"
        if shown.days.known
        else f"no public holidays: {shown.source} does not know {shown.year} yet"
    )
    console.print(
        f"{shown.year} · {where} · {shown.timezone} · {days} {shown.opens}–{shown.closes} · "
        f"{public}",
        markup=False,
    )
    rows = shown.by_date
    if rows:
        table = Table(show_header=True)
        for name in ("date", "day", "what", "from"):
            table.add_column(name)
        for day, what, source in rows:
            table.add_row(
                cell(day.isoformat()), cell(WEEKDAYS[day.weekday()]), cell(what), cell(source)
            )
        console.print(table)
    else:
        console.print("no day differs from the weekly pattern", markup=False)
    # Unless the start-up warning (logged when the workbench was built) named this year already.
    if shown.warning and shown.year not in wb.usecases.calendar.unknown_years():
        print(f"warning: {safe_for_terminal(shown.warning)}", file=sys.stderr)
