"""`workbench odoo`: check the connection to Odoo, pull members and their orders, push tier,
points, opt-outs and complaints back, and list what a run skipped. Pull, push and the issue list
are for admins; `check` shows no member data and needs no sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from workbench.cli.state import state
from workbench.crm.errors import OdooError, OdooSyncIncomplete
from workbench.crm.report import Progress as Advance
from workbench.crm.report import SyncReport
from workbench.usecases.odoo import OdooDesk

app = typer.Typer(help="Odoo sync: check, pull, push.", no_args_is_help=True)
console = Console(highlight=False)
SHOWN = 10


def _desk() -> OdooDesk:
    return state.workbench().usecases.odoo


@app.command("check")
def check_command() -> None:
    """The server's version, the user the sync logs in as, which models exist, and what in the
    settings does not fit this Odoo."""
    report = _desk().check()
    console.print(
        f"Odoo {report.version} at {report.where}, database {report.database}", markup=False
    )
    console.print(f"user: {report.user}", markup=False)
    for model, present in report.models.items():
        console.print(f"  {model}: {'installed' if present else 'not installed'}", markup=False)
    for label, count in report.counts.items():
        console.print(f"  {label} in Odoo: {count:,}", markup=False)
    for note in report.notes:
        console.print(f"note: {note}", markup=False)
    for problem in report.problems:
        console.print(f"problem: {problem}", markup=False)
    console.print(f"{report.round_trips} round trips", markup=False)
    if report.problems:
        raise OdooError(f"{len(report.problems)} problem(s) with the Odoo settings (listed above)")


@app.command("pull")
def pull_command() -> None:
    """Members and their confirmed orders from Odoo, from where the last pull ended."""
    desk = _desk()
    desk.require_configured()  # before asking anyone to sign in
    actor = state.staff()
    with _bars() as progress:
        report = desk.pull(actor, progress=progress)
    _summary(report)


@app.command("push")
def push_command() -> None:
    """Tier, points and opt-outs to the members' partners; new complaints to Helpdesk."""
    desk = _desk()
    desk.require_configured()
    actor = state.staff()
    with _bars() as progress:
        report = desk.push(actor, progress=progress)
    _summary(report)


@app.command("issues")
def issues_command(
    run: int = typer.Option(None, "--run", help="A run's number (default: the latest run)."),
    limit: int = typer.Option(50, help="How many to list."),
) -> None:
    """Records a run skipped and the conflicts it met (ids and field names, never values)."""
    found = _desk().issues(state.staff(), run_id=run, limit=limit)
    if found.run is None:
        console.print("no Odoo sync has run yet" if not run else f"no run {run}", markup=False)
        return
    console.print(
        f"run {found.run.id}: {found.run.direction}, {found.run.outcome}, started "
        f"{found.run.started_at:%Y-%m-%d %H:%M} UTC",
        markup=False,
    )
    table = Table()
    for column in ("kind", "model", "odoo id", "member", "fields", "reason"):
        table.add_column(column)
    for issue in found.issues:
        table.add_row(
            issue.kind,
            issue.model,
            _text(issue.odoo_id),
            _text(issue.member_no),
            issue.field_names,
            issue.reason,
        )
    console.print(table)


@contextmanager
def _bars() -> Iterator[Advance]:
    bars = Progress(
        TextColumn("{task.description:>16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    tasks: dict[str, TaskID] = {}

    def advance(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(stage, total=total)
        bars.update(tasks[stage], completed=done, total=total)

    with bars:
        yield advance


def _summary(report: SyncReport) -> None:
    console.print(
        f"{report.direction} run {report.run_id}: {report.outcome} in "
        f"{report.seconds:.1f} s, {report.round_trips} round trips to Odoo",
        markup=False,
    )
    for name, value in sorted(report.counts.items()):
        console.print(f"  {name.replace('_', ' ')}: {value:,}", markup=False)
    for kind, count in sorted(report.issue_counts.items()):
        console.print(f"  {kind}: {count:,}", markup=False)
    for issue in report.issues[:SHOWN]:
        where = f"{issue.model} {issue.odoo_id}" if issue.odoo_id else issue.model
        console.print(f"  {issue.kind} {where}: {issue.reason}", markup=False)
    if sum(report.issue_counts.values()) > SHOWN:
        console.print(f"  … all of them: workbench odoo issues --run {report.run_id}", markup=False)
    for warning in report.warnings:
        console.print(f"warning: {warning}", markup=False)
    if report.failures:
        raise OdooSyncIncomplete(f"{report.direction} incomplete: " + "; ".join(report.failures))


def _text(value: object) -> str:
    return "" if value is None else str(value)
