"""The `workbench` command. Each group lives in its own module. It never prints a traceback: an
error a person can act on (a refusal, a missing schema, a locked or unreachable database) is one
line on stderr and exit code 2; anything else is "something went wrong" with an incident id and
exit code 1, its traceback in the log file only."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
import typer.main

from workbench.cli import access as access_commands
from workbench.cli import activities as activities_commands
from workbench.cli import agent as agent_commands
from workbench.cli import applications as applications_commands
from workbench.cli import audit as audit_commands
from workbench.cli import backup as backup_commands
from workbench.cli import calendar as calendar_commands
from workbench.cli import callbacks as callbacks_commands
from workbench.cli import campaigns as campaigns_commands
from workbench.cli import cards as cards_commands
from workbench.cli import complaints as complaints_commands
from workbench.cli import consent as consent_commands
from workbench.cli import db as db_commands
from workbench.cli import doctor as doctor_commands
from workbench.cli import gifts as gifts_commands
from workbench.cli import goods as goods_commands
from workbench.cli import grants as grants_commands
from workbench.cli import keys as keys_commands
from workbench.cli import members as members_commands
from workbench.cli import odoo as odoo_commands
from workbench.cli import outbox as outbox_commands
from workbench.cli import points as points_commands  # noqa: F401 (adds points commands)
from workbench.cli import purchases as purchases_commands
from workbench.cli import reports as reports_commands
from workbench.cli import scheduler as scheduler_commands
from workbench.cli import seed as seed_commands
from workbench.cli import staff as staff_commands
from workbench.cli import statistics as statistics_commands  # noqa: F401 (adds report commands)
from workbench.cli import telephony as telephony_commands
from workbench.cli import terminals as terminals_commands
from workbench.cli import termination as termination_commands
from workbench.cli import tiers as tiers_commands
from workbench.cli import tui as tui_commands
from workbench.cli import wallboard as wallboard_commands
from workbench.cli import web as web_commands
from workbench.cli.state import state
from workbench.errors import WorkbenchError
from workbench.incidents import person_facing
from workbench.logs import configure_logging
from workbench.masking.text import safe_for_terminal
from workbench.settings import Settings
from workbench.usecases.admin import DatabaseSetup

app = typer.Typer(
    name="workbench",
    help="Contact-centre and CRM workbench for a membership business.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _options(
    ctx: typer.Context,
    config: str = typer.Option(
        None, "--config", help="Settings file to read instead of config/workbench.toml."
    ),
    user: str = typer.Option(
        None, "--user", help="Sign in as this staff member (or WORKBENCH_USER)."
    ),
    log_level: str = typer.Option("WARNING", "--log-level", help="DEBUG, INFO, WARNING…"),
) -> None:
    state.config_file = config
    state.username = user
    _logging.level = log_level
    _logging.command = " ".join(["workbench", *filter(None, [ctx.invoked_subcommand])])
    set_up_logging()


app.add_typer(db_commands.app, name="db")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(members_commands.app, name="members")
app.add_typer(applications_commands.app, name="applications")
app.add_typer(cards_commands.app, name="cards")
app.add_typer(tiers_commands.app, name="tiers")
app.add_typer(tiers_commands.points_app, name="points")
app.add_typer(gifts_commands.app, name="gifts")
app.add_typer(staff_commands.app, name="staff")
app.add_typer(terminals_commands.app, name="terminals")
app.add_typer(grants_commands.app, name="grants")
app.add_typer(access_commands.app, name="access")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(backup_commands.app, name="backup")
app.add_typer(complaints_commands.app, name="complaints")
app.add_typer(reports_commands.report_app, name="report")
app.add_typer(scheduler_commands.app, name="scheduler")
app.add_typer(callbacks_commands.app, name="callbacks")
app.add_typer(campaigns_commands.app, name="campaigns")
app.add_typer(outbox_commands.app, name="outbox")
app.add_typer(telephony_commands.app, name="telephony")
app.add_typer(agent_commands.app, name="agent")
app.add_typer(agent_commands.calls_app, name="calls")
app.add_typer(odoo_commands.app, name="odoo")
app.add_typer(termination_commands.app, name="termination")
app.add_typer(goods_commands.app, name="goods")
app.add_typer(consent_commands.app, name="consent")
app.add_typer(purchases_commands.app, name="purchases")
app.add_typer(activities_commands.app, name="activities")
app.add_typer(calendar_commands.app, name="calendar")
seed_commands.register(app)
tui_commands.register(app)
web_commands.register(app)
doctor_commands.register(app)
wallboard_commands.register(app)


class _Logging:
    """What the command line chose: the level, and the command (named in incidents)."""

    level: str = "WARNING"
    command: str = "workbench"


_logging = _Logging()


def set_up_logging(*, console: bool = True) -> Path | None:
    """Console lines at the chosen level and the log file (every error's traceback) for every
    command. Settings that do not load still leave a log: the default file (the command itself
    then says what is wrong with them). The TUI passes console=False: stderr would paint over
    its screen."""
    try:
        settings = state.settings()
    except Exception:  # any failure to read them: the command reports it
        settings = Settings.model_construct()
    written = configure_logging(
        _logging.level,
        file=settings.effective_log_file,
        console=console,
        fmt=settings.logging_format,
        max_bytes=settings.logging_max_bytes,
        backup_count=settings.logging_backup_count,
    )
    for handler in logging.getLogger().handlers:
        if not isinstance(handler, logging.FileHandler):
            handler.addFilter(_not_an_incident)
    return written


def _not_an_incident(record: logging.LogRecord) -> bool:
    """Incidents stay off the console: the command says "something went wrong" with the id."""
    return record.name != "workbench.incidents"


@functools.cache
def _command() -> Callable[..., Any]:
    """The click command Typer builds from every command's signature, built once per process:
    building it reads the annotations of some two hundred functions, which took longer than
    most commands themselves (and tests run thousands of them in one process)."""
    from workbench.cli.helptext import tidy_help

    return tidy_help(typer.main.get_command(app))  # help shown as written (see helptext)


def main(argv: list[str] | None = None) -> None:
    try:
        _command()(args=argv, prog_name="workbench")
    except WorkbenchError as exc:
        _refuse(exc)
    except Exception as exc:  # nothing reaches the person as a traceback
        typed, message = _explain(exc)
        if typed is not None:
            _refuse(typed)
        print(f"error: {message}", file=sys.stderr)
        sys.exit(1)
    finally:
        state.close()


def _refuse(error: WorkbenchError) -> None:
    # A refusal may quote what was typed or stored: text only, never terminal control.
    print(f"error: {safe_for_terminal(str(error))}", file=sys.stderr)
    sys.exit(2)


def _explain(error: Exception) -> tuple[WorkbenchError | None, str]:
    """A driver error a person can act on (a missing schema, a locked or unreachable database)
    as its typed error; anything else logged as an incident, with its id in the message."""
    try:
        setup: DatabaseSetup | None = DatabaseSetup(state.settings())
    except Exception:  # no settings: no SQLite file to name holders of
        setup = None
    if setup is not None:
        return setup.explain(error, where=_logging.command)
    return person_facing(error, where=_logging.command)
