"""Edges call use cases only: no module of the TUI, the CLI, the webhook server or the
scheduler's jobs opens a session, commits, queries the database or calls a domain service past
the use cases. (The scheduler's service itself hands APScheduler the engine for its job store and
holds the leader lock: infrastructure, not a person's work.)

Read from the source (ast), so it holds for code no test runs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "workbench"
EDGES = sorted(path for package in ("tui", "cli") for path in (ROOT / package).rglob("*.py"))
FORBIDDEN_MODULES = ("sqlalchemy", "sqlmodel", "workbench.db")
# What a session or a query looks like, whatever it is called on.
FORBIDDEN_ATTRIBUTES = {"sessions", "engine", "commit", "execute", "scalar", "scalars", "rollback"}
# The workbench's parts an edge may touch: the use cases, and configuration read at start.
WORKBENCH_PARTS = {"usecases", "settings", "clock", "complaint_policy", "scheme", "dispose"}
# Modules still to be moved onto the use cases; this list only shrinks.
NOT_YET: set[str] = set()


def _is_workbench(node: ast.expr) -> bool:
    """`wb`, `self.wb`, `app.wb`, `self.app.wb`."""
    if isinstance(node, ast.Name):
        return node.id == "wb"
    return isinstance(node, ast.Attribute) and node.attr == "wb"


def problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name.startswith(FORBIDDEN_MODULES):
                    found.append(f"line {node.lineno}: imports {name}")
        elif isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_ATTRIBUTES:
                found.append(f"line {node.lineno}: .{node.attr}")
            elif _is_workbench(node.value) and node.attr not in WORKBENCH_PARTS:
                found.append(f"line {node.lineno}: wb.{node.attr} (call a use case instead)")
            elif node.attr == "telephony":
                found.append(f"line {node.lineno}: .telephony (use usecases.calls)")
    return found


@pytest.mark.parametrize("path", EDGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_edges_call_use_cases_only(path: Path) -> None:
    name = str(path.relative_to(ROOT))
    found = problems(path)
    if name in NOT_YET:
        if not found:
            pytest.fail(f"{name} keeps the rule now: take it off NOT_YET")
        pytest.xfail(f"{name}: not moved onto the use cases yet")
    assert not found, f"{name} reaches below the use cases:\n" + "\n".join(found)
