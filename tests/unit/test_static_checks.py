"""The code's own checks run with the test suite, so the one test command checks everything:
ruff's lint rules and formatter, and mypy (strict on all but the demo seeder; see
pyproject.toml). Each runs the tool the test extra installed beside this interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREES = ["workbench", "tests", "bench"]


def _run(tool: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    program = Path(sys.executable).with_name(tool)
    if not program.exists():
        pytest.fail(f"{tool} is not installed beside {sys.executable}: pip install -e '.[test]'")
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout
    )


def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", *TREES)
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_code_is_formatted() -> None:
    done = _run("ruff", "format", "--check", *TREES)
    assert done.returncode == 0, done.stdout[-3000:]


def test_mypy_finds_no_type_error() -> None:
    done = _run("mypy")
    assert done.returncode == 0, done.stdout[-4000:]
