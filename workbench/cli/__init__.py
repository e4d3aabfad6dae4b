"""The `workbench` command. Each group lives in its own module; errors a person can act on are
printed as one line, never as a traceback."""

from __future__ import annotations

import sys

import typer

from workbench.cli import audit as audit_commands
from workbench.cli import backup as backup_commands
from workbench.cli import campaigns as campaigns_commands
from workbench.cli import complaints as complaints_commands
from workbench.cli import db as db_commands
from workbench.cli import grants as grants_commands
from workbench.cli import keys as keys_commands
from workbench.cli import members as members_commands
from workbench.cli import odoo as odoo_commands
from workbench.cli import outbox as outbox_commands
from workbench.cli import reports as reports_commands
from workbench.cli import scheduler as scheduler_commands
from workbench.cli import seed as seed_commands
from workbench.cli import staff as staff_commands
from workbench.cli import statistics as statistics_commands  # noqa: F401 (adds report commands)
from workbench.cli import telephony as telephony_commands
from workbench.cli import terminals as terminals_commands
from workbench.cli import tiers as tiers_commands
from workbench.cli import tui as tui_commands
from workbench.cli.state import state
from workbench.errors import WorkbenchError
from workbench.logs import configure_logging

app = typer.Typer(
    name="workbench",
    help="Contact-centre and CRM workbench for a membership business.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _options(
    config: str = typer.Option(
        None, "--config", help="Settings file to read instead of config/workbench.toml."
    ),
    user: str = typer.Option(
        None, "--user", help="Sign in as this staff member (or WORKBENCH_USER)."
    ),
    log_level: str = typer.Option("WARNING", "--log-level", help="DEBUG, INFO, WARNING…"),
) -> None:
    configure_logging(log_level)
    state.config_file = config
    state.username = user


app.add_typer(db_commands.app, name="db")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(members_commands.app, name="members")
app.add_typer(tiers_commands.app, name="tiers")
app.add_typer(tiers_commands.points_app, name="points")
app.add_typer(staff_commands.app, name="staff")
app.add_typer(terminals_commands.app, name="terminals")
app.add_typer(grants_commands.app, name="grants")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(backup_commands.app, name="backup")
app.add_typer(complaints_commands.app, name="complaints")
app.add_typer(reports_commands.report_app, name="report")
app.add_typer(scheduler_commands.app, name="scheduler")
app.add_typer(campaigns_commands.app, name="campaigns")
app.add_typer(outbox_commands.app, name="outbox")
app.add_typer(telephony_commands.app, name="telephony")
app.add_typer(odoo_commands.app, name="odoo")
seed_commands.register(app)
tui_commands.register(app)


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv)
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    finally:
        state.close()
