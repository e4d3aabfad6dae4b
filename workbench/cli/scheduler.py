"""`workbench scheduler`: the periodic jobs (escalations, leases, campaigns, points, tiers,
backups). A second one on the same database waits as a standby."""

from __future__ import annotations

import typer
from rich.table import Table

from workbench.cli.output import SafeConsole
from workbench.cli.state import state

app = typer.Typer(help="The scheduler service.", invoke_without_command=True)
console = SafeConsole(highlight=False)


@app.callback()
def scheduler_command(ctx: typer.Context) -> None:
    """Run the scheduler until SIGTERM (standby while another one is active)."""
    if ctx.invoked_subcommand is not None:
        return
    from workbench.scheduler.service import run

    run(state.workbench())


@app.command("jobs")
def jobs_command() -> None:
    """The jobs and their schedules."""
    from workbench.scheduler.service import job_plan

    table = Table()
    table.add_column("id")
    table.add_column("schedule")
    for job_id, _function, trigger in job_plan(state.workbench()):
        table.add_row(job_id, str(trigger))
    console.print(table)


@app.command("run-job")
def run_job_command(job_id: str = typer.Argument(...)) -> None:
    """Run one job now, in this process (for operators and tests)."""
    from workbench.errors import ValidationError
    from workbench.scheduler import jobs
    from workbench.scheduler.service import job_plan

    wb = state.workbench()
    plan = {job: function for job, function, _ in job_plan(wb)}
    if job_id not in plan:
        raise ValidationError("job", f"one of {', '.join(plan)}")
    jobs.install(wb)
    plan[job_id]()
    console.print(f"{job_id} done", markup=False)
