"""The domain is reachable without the TUI and the adapters: importing it in a fresh interpreter
loads neither Textual nor the Twilio and Odoo clients (the import-linter contract in
pyproject.toml says the same statically)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDGES = ("textual", "twilio", "odoorpc")
DOMAIN = [
    "workbench.members.registry",
    "workbench.members.points",
    "workbench.masking.fields",
    "workbench.bootstrap",
]
# The rest of the domain, checked together.
MORE_DOMAIN = [
    "workbench.permissions.access",
    "workbench.complaints.service",
    "workbench.callbacks.service",
    "workbench.statistics.service",
    "workbench.scheduler.jobs",
    "workbench.demo.seed",
]


def _edges_loaded_by(*modules: str) -> list[str]:
    code = (
        "import json, sys\n"
        + "".join(f"import {module}\n" for module in modules)
        + f"print(json.dumps(sorted(m for m in {EDGES!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_check_sees_an_edge_when_one_is_imported():
    assert _edges_loaded_by("textual") == ["textual"]


@pytest.mark.parametrize("module", DOMAIN)
def test_a_domain_module_loads_no_ui_or_adapter(module):
    assert _edges_loaded_by(module) == []


def test_the_whole_domain_together_loads_no_ui_or_adapter():
    assert _edges_loaded_by(*DOMAIN, *MORE_DOMAIN) == []


def test_odoorpc_is_loaded_only_by_the_odoo_client():
    """The CLI, the scheduler's jobs and the sync service import no odoorpc until a sync
    connects; the client is what brings it in."""
    assert "odoorpc" not in _edges_loaded_by(
        "workbench.cli", "workbench.scheduler.jobs", "workbench.crm.sync", "workbench.db.tables"
    )
    assert _edges_loaded_by("workbench.crm.client") == ["odoorpc"]


def test_import_linter_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed beside this interpreter")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "0 broken" in done.stdout
