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

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.crm.errors import OdooError, OdooSyncIncomplete
from workbench.crm.report import Progress as Advance
from workbench.crm.report import SyncReport
from workbench.usecases.odoo import OdooDesk

app = typer.Typer(help="Odoo sync: check, pull, push.", no_args_is_help=True)
console = SafeConsole(highlight=False)
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
    for company_id, name, synced in report.companies:
        console.print(
            f"  company {company_id} {name}: {'synced' if synced else 'not synced'}", markup=False
        )
    if report.tier_choices:
        console.print(f"  tier choices in Odoo: {', '.join(report.tier_choices)}", markup=False)
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


issues_app = typer.Typer(
    help="Records the sync skipped and conflicts it met, open until resolved or dismissed."
)
app.add_typer(issues_app, name="issues")


@issues_app.callback(invoke_without_command=True)
def issues_command(
    ctx: typer.Context,
    page: int = typer.Option(1, "--page", min=1, help="Which page of the list."),
    everything: bool = typer.Option(False, "--all", help="Also the issues resolved or dismissed."),
    run: int = typer.Option(None, "--run", help="Only those a run met (its number)."),
    page_size: int = typer.Option(50, "--page-size", min=1, max=1000, help="Issues per page."),
) -> None:
    """The issues still open, across runs, oldest first, a page at a time (ids and field
    names, never values): each stays until the record goes through or it is dismissed."""
    if ctx.invoked_subcommand is not None:
        return
    found = _desk().issues(
        state.staff(), page=page, page_size=page_size, everything=everything, run_id=run
    )
    which = "issues" if everything else "open issues"
    if found.run is not None:
        which += (
            f" met by run {found.run.id} ({found.run.direction}, {found.run.outcome}, started "
            f"{found.run.started_at:%Y-%m-%d %H:%M} UTC)"
        )
    if not found.total:
        console.print(f"no {which}", markup=False)
        return
    first = (found.page - 1) * page_size + 1
    shown = f"{first}–{first + len(found.issues) - 1}" if found.issues else "none"
    console.print(
        f"{found.total:,} {which}: {shown} shown, page {found.page} of {found.pages}",
        markup=False,
    )
    table = Table()
    columns = ["id", *(["state"] if everything else []), "kind", "model", "odoo id"]
    for column in [*columns, "member", "fields", "runs", "reason"]:
        # short columns whole; the long ones fold rather than lose their end
        short = column in ("id", "state", "kind")
        table.add_column(
            column, no_wrap=short, min_width=9 if column == "state" else None, overflow="fold"
        )
    for issue in found.issues:
        cells = [
            str(issue.id),
            *([issue.closing or "open"] if everything else []),
            issue.kind,
            issue.model,
            _text(issue.odoo_id),
            _text(issue.member_no),
            issue.field_names,
            f"{issue.first_run}–{issue.last_run} ({issue.seen})"
            if issue.seen > 1
            else _text(issue.first_run),
            issue.reason,
        ]
        table.add_row(*cells)
    console.print(table)
    if found.page < found.pages:
        console.print(f"next: workbench odoo issues --page {found.page + 1}", markup=False)


@issues_app.command("dismiss")
def dismiss_command(
    issue_id: int = typer.Argument(..., help="The issue's id (first column)."),
) -> None:
    """Take an issue off the list: nothing more is to be done about it (administrators)."""
    issue = _desk().dismiss_issue(state.staff(), issue_id)
    where = f"{issue.model} {issue.odoo_id}" if issue.odoo_id else issue.model
    console.print(f"issue {issue.id} ({issue.kind} {where}) dismissed", markup=False)


review_app = typer.Typer(help="Identity changes a pull held for customer service.")
app.add_typer(review_app, name="review")


@review_app.callback(invoke_without_command=True)
def review_list_command(ctx: typer.Context) -> None:
    """The identity changes waiting: a partner that would give a member another name or
    ID-card number (ids and field names; look at both records before deciding)."""
    if ctx.invoked_subcommand is not None:
        return
    waiting = _desk().identity_reviews(state.staff())
    if not waiting:
        console.print("no identity change waiting for review", markup=False)
        return
    console.print(f"{len(waiting)} identity change(s) waiting for review", markup=False)
    table = Table()
    for column in ("id", "member", "partner", "fields", "what", "held"):
        table.add_column(column, overflow="fold")
    for review in waiting:
        table.add_row(
            str(review.id),
            review.member_no,
            str(review.partner_id),
            review.field_names,
            "the member's partner changed" if review.linked else "a partner with their mobile",
            f"{review.held_at:%Y-%m-%d %H:%M} UTC",
        )
    console.print(table)


@review_app.command("apply")
def review_apply_command(review_id: int = typer.Argument(..., help="The change's id.")) -> None:
    """Take the partner as Odoo has it: the member's name, ID number and contact data change."""
    desk = _desk()
    desk.require_configured()
    report = desk.apply_identity(state.staff(), review_id)
    console.print(f"identity change {review_id} applied (run {report.run_id})", markup=False)


@review_app.command("reject")
def review_reject_command(review_id: int = typer.Argument(..., help="The change's id.")) -> None:
    """Keep the member as they are; fix the partner in Odoo."""
    review = _desk().reject_identity(state.staff(), review_id)
    console.print(
        f"identity change {review.id} rejected: member {review.member_no} is kept as is; "
        f"correct partner {review.partner_id} in Odoo",
        markup=False,
    )


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
    met = sum(report.issue_counts.values())
    if met > SHOWN:
        console.print(
            f"  … {SHOWN} of {met:,} shown: all of them with workbench odoo issues "
            f"--run {report.run_id}",
            markup=False,
        )
    for warning in report.warnings:
        console.print(f"warning: {warning}", markup=False)
    if report.failures:
        raise OdooSyncIncomplete(f"{report.direction} incomplete: " + "; ".join(report.failures))


def _text(value: object) -> str:
    return "" if value is None else str(value)
