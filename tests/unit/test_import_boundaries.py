"""The domain is reachable without the TUI and the adapters: checked two ways, by the
import-linter contract in pyproject.toml and by importing the domain in a fresh interpreter."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = [
    "workbench.bootstrap", "workbench.members.registry", "workbench.members.points",
    "workbench.permissions.access", "workbench.tickets.service", "workbench.callbacks.service",
    "workbench.scheduler.jobs", "workbench.demo.seed",
]  # fmt: skip


def test_domain_imports_load_no_ui_or_adapter():
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in DOMAIN)
        + "print(sorted(m for m in ('textual', 'twilio', 'odoorpc') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "0 broken" in done.stdout
