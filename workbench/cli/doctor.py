"""`workbench doctor`: the deployment checked end to end, one line per check (ok, skipped or
PROBLEM with what to do), exit code 1 when anything needs fixing. It signs nobody in and needs
only the settings, so it runs where the workbench itself cannot start."""

from __future__ import annotations

import typer

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.usecases.doctor import Doctor, Finding

console = SafeConsole(highlight=False, soft_wrap=True)


def line(finding: Finding) -> str:
    if finding.skipped:
        return f"skip     {finding.check}: {finding.detail}"
    if finding.ok:
        return f"ok       {finding.check}: {finding.detail}"
    fix = f" — fix: {finding.fix}" if finding.fix else ""
    return f"PROBLEM  {finding.check}: {finding.detail}{fix}"


def doctor_command() -> None:
    """Check the database, migrations, key file, SMTP, Twilio, Odoo, scheduler, clock and
    holiday calendar; say what to fix."""
    findings = Doctor(state.settings(), clock=state.clock).run()
    for finding in findings:
        console.print(line(finding), markup=False)
    problems = [f for f in findings if not f.ok and not f.skipped]
    if problems:
        console.print(f"{len(problems)} problem(s) to fix", markup=False)
        raise typer.Exit(1)
    console.print("everything checked is in order", markup=False)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_command)
