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
    console.print(
        f"{shown.year} · {where} · {shown.timezone} · {days} {shown.opens}–{shown.closes} · "
        f"public holidays from {shown.source}",
        markup=False,
    )
    table = Table(show_header=True)
    for name in ("date", "day", "what", "from"):
        table.add_column(name)
    for day, source in shown.days.days_off:
        table.add_row(
            cell(day.isoformat()), cell(WEEKDAYS[day.weekday()]), cell("day off"), cell(source)
        )
    for day, source in shown.days.extra_working_days:
        table.add_row(
            cell(day.isoformat()), cell(WEEKDAYS[day.weekday()]), cell("working day"), cell(source)
        )
    console.print(table)
    if shown.warning:
        print(f"warning: {safe_for_terminal(shown.warning)}", file=sys.stderr)
