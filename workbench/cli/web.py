"""`workbench web`: the terminal workbench in a browser, through textual-serve.

Each browser session runs `workbench tui` in a subprocess of its own, with this process's
settings, so nothing is looser than at a terminal: the same sign-in (password, lockout, idle
sign-out), masking, grants, reveals and audit. A browser is no registered terminal: the
subprocess is given a terminal-credential path where no credential can be, so staff of a store
that requires registered terminals (`workbench terminals require`) are refused here as at any
other unregistered workstation, even when this machine holds a credential of its own.

It listens on 127.0.0.1 by default: put it behind a TLS-terminating reverse proxy (nginx, with
the websocket upgrade headers; docs/administrators.md) and give that proxy's address as
--public-url, the address the page's websocket connects back to."""

from __future__ import annotations

import ipaddress
import os
import shlex
import sys
import tempfile
from pathlib import Path

import typer

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.errors import ConfigError, WorkbenchError

warnings = SafeConsole(highlight=False, stderr=True)
TITLE = "workbench"


def tui_command_line(config_file: str | None) -> str:
    """The command each browser session runs (a shell line: textual-serve starts it so)."""
    words = [sys.executable, "-m", "workbench"]
    if config_file:
        words += ["--config", str(Path(config_file).resolve())]
    return shlex.join([*words, "tui"])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _public_url(public_url: str | None, host: str, port: int) -> str:
    if not public_url:
        return f"http://{host}:{port}"
    url = public_url.rstrip("/")
    if not url.startswith(("http://", "https://")) or " " in url:
        raise ConfigError(
            f"--public-url {public_url!r}: the address browsers open, e.g. "
            "https://workbench.example.com (the proxy's, without a path)"
        )
    return url


def web_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    public_url: str = typer.Option(
        None,
        "--public-url",
        help="The address browsers open: the TLS proxy's https:// address.",
    ),
) -> None:
    """Serve the workbench to browsers (the same sign-in and rules as `workbench tui`)."""
    from textual_serve.server import Server  # aiohttp is loaded only for this command

    wb = state.workbench()  # a wrong setting, key file or database is said here, once
    if not wb.usecases.admin.schema_is_current():
        raise WorkbenchError("the database schema is not current: run `workbench db upgrade`")
    url = _public_url(public_url, host, port)
    if not _is_loopback(host) and not url.startswith("https://"):
        warnings.print(
            f"warning: serving on {host} without TLS: passwords would cross the network in "
            "clear. Listen on 127.0.0.1 behind a TLS proxy (docs/administrators.md) and give "
            "its https:// address as --public-url.",
            markup=False,
        )
    # No terminal credential for browser sessions (see the module's docstring): a fresh private
    # folder that holds none, for the sessions this process starts.
    no_terminal = Path(tempfile.mkdtemp(prefix="workbench-web-")) / "terminal.json"
    os.environ["WORKBENCH_PROTECTION_TERMINAL_FILE"] = str(no_terminal)
    from workbench.web import TEMPLATES

    server = Server(
        tui_command_line(state.config_file),
        host=host,
        port=port,
        title=TITLE,
        public_url=url,
        templates_path=TEMPLATES,
    )
    try:
        server.serve()
    finally:
        no_terminal.parent.rmdir()


def register(app: typer.Typer) -> None:
    app.command("web")(web_command)
