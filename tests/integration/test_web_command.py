"""`workbench web` before it serves: what each browser session runs, the terminal credential it
does not get, the address checks. (The browser itself: test_web_browser.py.)"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest

from workbench.cli.web import _is_loopback, _public_url, tui_command_line
from workbench.errors import ConfigError


class Served:
    def __init__(self) -> None:
        self.servers: list[object] = []
        self.terminal_file: str | None = None


@pytest.fixture
def served(monkeypatch):
    """textual-serve's Server, stopped short of listening: what it was given, and the terminal
    file its sessions would see."""
    from textual_serve.server import Server

    seen = Served()

    def serve(self, debug: bool = False) -> None:
        seen.servers.append(self)
        seen.terminal_file = os.environ.get("WORKBENCH_PROTECTION_TERMINAL_FILE")

    monkeypatch.setattr(Server, "serve", serve)
    monkeypatch.delenv("WORKBENCH_PROTECTION_TERMINAL_FILE", raising=False)
    return seen


def test_each_session_runs_workbench_tui_with_no_terminal_credential(
    run_cli, served, tmp_path, monkeypatch
):
    # This machine has a terminal credential of its own: browser sessions must not use it.
    own = tmp_path / "terminal.json"
    own.write_text('{"terminal_id": 1, "secret": "s"}', encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_PROTECTION_TERMINAL_FILE", str(own))
    code, _out, err = run_cli("web", "--port", "8123")
    assert code == 0, err
    [server] = served.servers
    assert server.command == shlex.join([sys.executable, "-m", "workbench", "tui"])
    assert (server.host, server.port) == ("127.0.0.1", 8123)
    assert server.public_url == "http://127.0.0.1:8123"
    assert served.terminal_file is not None and served.terminal_file != str(own)
    assert not Path(served.terminal_file).exists()
    assert not Path(served.terminal_file).parent.exists()  # removed when serving ends


def test_a_public_address_without_tls_is_warned_about(run_cli, served):
    code, _out, err = run_cli("web", "--host", "0.0.0.0")
    assert code == 0
    assert "without TLS" in err
    code, _out, err = run_cli(
        "web", "--host", "0.0.0.0", "--public-url", "https://workbench.example.com/"
    )
    assert "without TLS" not in err
    assert served.servers[-1].public_url == "https://workbench.example.com"


def test_a_wrong_public_url_is_refused_with_what_to_give(run_cli, served):
    code, _out, err = run_cli("web", "--public-url", "workbench.example.com")
    assert code == 2
    assert "https://workbench.example.com" in err
    assert served.servers == []


def test_the_config_file_is_passed_on_by_its_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = tui_command_line("site.toml")
    assert shlex.split(line)[-3:] == ["--config", str(tmp_path / "site.toml"), "tui"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_loopback(host, loopback):
    assert _is_loopback(host) is loopback


def test_public_url_defaults_to_the_listening_address():
    assert _public_url(None, "127.0.0.1", 8000) == "http://127.0.0.1:8000"
    with pytest.raises(ConfigError):
        _public_url("ftp://x", "127.0.0.1", 8000)
