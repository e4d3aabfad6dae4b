"""`workbench campaigns`: timed callback campaigns."""

from __future__ import annotations

from datetime import date

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from workbench.callbacks.models import CampaignStatus
from workbench.cli.dates import parse_day
from workbench.cli.output import SafeConsole
from workbench.cli.state import state

app = typer.Typer(help="Timed callback campaigns.", no_args_is_help=True)
console = SafeConsole(highlight=False)


def _day(value: str, name: str) -> date:
    return parse_day(value, name)


@app.command("create")
def create_command(
    name: str = typer.Argument(...),
    segment: str = typer.Option(
        ...,
        "--segment",
        help='JSON, e.g. {"tier": "gold"} or {"points_expiring_days": 30, "store": "SH01"}',
    ),
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last day (YYYY-MM-DD)."),
    capacity: int = typer.Option(..., "--capacity", help="Calls a day at most."),
    team: str = typer.Option(None, "--team"),
    priority: int = typer.Option(0, "--priority"),
) -> None:
    """Create a campaign (supervisors and administrators)."""
    wb = state.workbench()
    campaign = wb.usecases.callbacks.create_campaign(
        state.staff(),
        name=name,
        segment=segment,
        starts_on=_day(start, "from"),
        ends_on=_day(end, "to"),
        daily_capacity=capacity,
        team=team,
        priority=priority,
    )
    console.print(f"campaign {campaign.campaign_id} created", markup=False)


@app.command("list")
def list_command() -> None:
    """Every campaign (supervisors, administrators, department heads, analysts, store
    managers)."""
    wb = state.workbench()
    campaigns = wb.usecases.callbacks.campaign_list(state.staff())
    table = Table()
    for column in ("id", "name", "status", "from", "to", "capacity", "team", "segment"):
        table.add_column(column)
    for c in campaigns:
        table.add_row(
            str(c.campaign_id),
            Text(c.name),
            c.status,
            str(c.starts_on),
            str(c.ends_on),
            str(c.daily_capacity),
            c.team or "-",
            Text(c.segment),
        )
    console.print(table)


@app.command("show")
def show_command(campaign_id: int = typer.Argument(...)) -> None:
    """Progress: tasks made, done, reached rate, outcomes (whoever may list campaigns)."""
    p = state.workbench().usecases.callbacks.progress(state.staff(), campaign_id)
    console.print(Text(f"campaign {p.campaign_id} {p.name} ({p.status})"))
    console.print(
        f"tasks {p.tasks}, open {p.open}, done {p.done}, reached {p.reached} "
        f"({p.reached_rate_pct if p.reached_rate_pct is not None else '-'}%), "
        f"made today {p.made_today}/{p.daily_capacity}",
        markup=False,
    )
    for outcome, n in sorted(p.outcomes.items()):
        console.print(f"  {outcome}: {n}", markup=False)


@app.command("pause")
def pause_command(campaign_id: int = typer.Argument(...)) -> None:
    desk = state.workbench().usecases.callbacks
    desk.set_campaign_status(state.staff(), campaign_id, CampaignStatus.PAUSED)
    console.print(f"campaign {campaign_id} paused", markup=False)


@app.command("resume")
def resume_command(campaign_id: int = typer.Argument(...)) -> None:
    desk = state.workbench().usecases.callbacks
    desk.set_campaign_status(state.staff(), campaign_id, CampaignStatus.ACTIVE)
    console.print(f"campaign {campaign_id} resumed", markup=False)


@app.command("materialise")
def materialise_command(campaign_id: int = typer.Argument(None)) -> None:
    """Make today's tasks now, of one campaign or every active one (supervisors and
    administrators; the scheduler does this on its own every few minutes)."""
    desk = state.workbench().usecases.callbacks
    staff = state.staff()
    with Progress(console=console, transient=True) as bar:
        job = bar.add_task("making callback tasks", total=None)

        def report(done: int, total: int) -> None:
            bar.update(job, completed=done, total=total)

        made = desk.materialise(staff, campaign_id, report)
    console.print(f"{made} callback tasks made", markup=False)
