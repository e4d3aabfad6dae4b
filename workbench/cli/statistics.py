"""`workbench report members` and `workbench report kpis`: the statistics service's figures as
a table, csv or json (the same figures in each; csv and json are exports)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.reports import (
    FORMAT_HELP,
    FROM_HELP,
    OUTPUT_HELP,
    SHEETS,
    TO_HELP,
    check_format,
    console,
    legend,
    print_csv,
    print_json,
    report_app,
    report_format,
    shown,
)
from workbench.cli.state import state
from workbench.statistics.figures import (
    AGENT_FIELDS,
    BRANCH_FIELDS,
    MEMBER_SECTIONS,
    TOTAL,
)

if TYPE_CHECKING:
    from workbench.bootstrap import Workbench

IDENTITY = {"store", "store_name", "username", "name", "role", "hidden"}


@report_app.command("members")
def report_members(
    start: str = typer.Option(None, "--from", help=FROM_HELP),
    end: str = typer.Option(None, "--to", help=TO_HELP),
    store: str = typer.Option(None, "--store", help="Only this store."),
    fmt: str = typer.Option(None, "--format", help=FORMAT_HELP),
    output: str = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
) -> None:
    """Members, tiers, spend, visits, points, activity, retention and satisfaction by store."""
    fmt = report_format(fmt, output)
    export = check_format(fmt, output)
    wb = state.workbench()
    desk = wb.usecases.statistics
    period = desk.period_between(start, end)
    staff = state.staff()
    stats = desk.members(staff, period, store_code=store, export=export)
    if fmt == "json":
        print_json(stats.to_dict(), staff, wb, output=output)
    elif fmt in SHEETS:
        rows = [
            [row.store, *pair] for row in (*stats.stores, stats.total) for pair in _figures(row)
        ]
        header = ["store", "figure", "value", "hidden"]
        print_csv("member statistics", staff, wb, header, rows, fmt=fmt, output=output)
    else:
        first, last = period.days(wb.settings.timezone)
        for section, names in MEMBER_SECTIONS.items():
            columns = names or tuple(f"tier:{t}" for t in stats.tiers)
            table = _table(f"{section} {first} – {last}", ["store", *columns])
            for row in (*stats.stores, stats.total):
                values = {**asdict(row), **{f"tier:{t}": n for t, n in row.tiers.items()}}
                table.add_row(
                    _store(row.store, row.store_name),
                    *[shown(values[c], stats.min_group_size, row.hidden.get(c)) for c in columns],
                )
            console.print(table)
        console.print(legend(stats.min_group_size), markup=False)
        _as_of(stats.as_of, wb)


@report_app.command("kpis")
def report_kpis(
    start: str = typer.Option(None, "--from", help=FROM_HELP),
    end: str = typer.Option(None, "--to", help=TO_HELP),
    store: str = typer.Option(None, "--store", help="Only this store."),
    fmt: str = typer.Option(None, "--format", help=FORMAT_HELP),
    output: str = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
) -> None:
    """KPIs per agent and per branch.

    Agents: callbacks, reach rate, complaints resolved, satisfaction. Branches: cards issued,
    active members, complaint rate, satisfaction."""
    fmt = report_format(fmt, output)
    export = check_format(fmt, output)
    wb = state.workbench()
    desk = wb.usecases.statistics
    period = desk.period_between(start, end)
    staff = state.staff()
    kpis = desk.kpis(staff, period, store_code=store, export=export)
    branches = (*kpis.branches, kpis.total) if kpis.total else ()
    if fmt == "json":
        print_json(kpis.to_dict(), staff, wb, output=output)
    elif fmt in SHEETS:
        rows = [["agent", a.username, *pair] for a in kpis.agents for pair in _figures(a)]
        rows += [["branch", b.store, *pair] for b in branches for pair in _figures(b)]
        header = ["kind", "key", "figure", "value", "hidden"]
        print_csv("KPIs", staff, wb, header, rows, fmt=fmt, output=output)
    else:
        first, last = period.days(wb.settings.timezone)
        minimum = kpis.min_group_size
        if kpis.agents:
            table = _table(f"agents {first} – {last}", ["agent", "name", *AGENT_FIELDS])
            for a in kpis.agents:
                table.add_row(
                    Text(a.username),
                    Text(a.name),
                    *[shown(getattr(a, f), minimum) for f in AGENT_FIELDS],
                )
            console.print(table)
        if branches:
            table = _table(f"branches {first} – {last}", ["store", *BRANCH_FIELDS])
            for b in branches:
                table.add_row(
                    _store(b.store, b.store_name),
                    *[shown(getattr(b, f), minimum, b.hidden.get(f)) for f in BRANCH_FIELDS],
                )
            console.print(table)
        console.print(legend(minimum), markup=False)
        _as_of(kpis.as_of, wb)


@report_app.command("refresh-rollups")
def report_refresh_rollups() -> None:
    """Compute the statistics screen's periods and the default complaint report into their
    rollups now (the scheduler does it every [scheduler] report_rollups_minutes)."""
    wb = state.workbench()
    done = wb.usecases.statistics.refresh_rollups(state.staff())
    if not done.periods:
        console.print("report rollups are off ([scheduler] report_rollups_minutes = 0)")
        return
    zone = wb.settings.timezone
    for period in done.periods:
        first, last = period.days(zone)
        console.print(f"statistics {first} – {last}: refreshed", markup=False)
    if done.complaints is not None:
        first, last = done.complaints.days(zone)
        console.print(f"complaint report {first} – {last}: refreshed", markup=False)


def _as_of(at: datetime | None, wb: Workbench) -> None:
    if at is not None:
        local = at.astimezone(wb.settings.timezone).strftime("%Y-%m-%d %H:%M")
        console.print(f"figures as of {local} (scheduled rollup)", markup=False)


def _figures(row: Any) -> list[tuple[str, object, str]]:
    """A row as (figure, value, why it is hidden) triples, tiers flattened to tier:<code>."""
    pairs: list[tuple[str, object]] = []
    for name, value in asdict(row).items():
        if name in IDENTITY:
            continue
        if isinstance(value, dict):
            pairs += [(f"tier:{k}", v) for k, v in value.items()]
        else:
            pairs.append((name, value))
    hidden: dict[str, str] = getattr(row, "hidden", {})
    return [(name, value, hidden.get(name, "")) for name, value in pairs]


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


def _store(code: str, name: str) -> Text:
    return Text("all" if code == TOTAL else f"{code} {name}")
