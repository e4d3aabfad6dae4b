"""`workbench telephony`: the webhook server for Twilio, and the call log."""

from __future__ import annotations

import os

import typer
from rich.table import Table
from rich.text import Text

from workbench.cli.output import SafeConsole
from workbench.cli.state import state

app = typer.Typer(
    help="Hotline telephony: the Twilio webhook server and the call log.", no_args_is_help=True
)
console = SafeConsole(highlight=False)


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port"),
    workers: int = typer.Option(1, "--workers", help="Server processes (PostgreSQL only)."),
) -> None:
    """Serve Twilio's voice and messaging webhooks (behind a TLS proxy; see docs/telephony.md)."""
    import uvicorn

    from workbench.webhooks.limits import Limits, uvicorn_options
    from workbench.webhooks.server import check_workers, server_app

    wb = state.workbench()
    app_for_checks = server_app(wb)  # fails here, with the reason, if misconfigured
    limits = uvicorn_options(Limits.from_settings(wb.settings))  # [webhooks]; each process's
    if workers > 1:
        check_workers(wb, workers)
        if state.config_file:
            os.environ["WORKBENCH_CONFIG"] = state.config_file
        uvicorn.run(
            "workbench.webhooks.server:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # A worker that takes longer than uvicorn's 5 s to start on a loaded machine was
            # killed and restarted over and over before the server came up.
            timeout_worker_healthcheck=30,
            proxy_headers=True,
            log_level="info",
            **limits,
        )
        return
    uvicorn.run(
        app_for_checks,
        host=host,
        port=port,
        proxy_headers=True,
        log_level="info",
        **limits,
    )


@app.command("calls")
def calls_command(limit: int = typer.Option(20, "--limit")) -> None:
    """The latest calls, numbers masked (agents and supervisors)."""
    wb = state.workbench(telephony=True)
    calls = wb.usecases.calls
    assert calls is not None
    staff = state.staff()
    table = Table(
        "id", "direction", "number", "member", "status", "queue", "started", "seconds", "recording"
    )
    zone = wb.settings.timezone
    for line in calls.call_log(staff, limit):
        table.add_row(
            str(line.call_id),
            line.direction,
            Text(line.caller),
            "yes" if line.known_member else "new caller",
            line.status,
            line.queue or "-",
            f"{line.started_at.astimezone(zone):%Y-%m-%d %H:%M}",
            str(line.duration_seconds or "-"),
            line.recording_sid or "-",
        )
    console.print(table)
