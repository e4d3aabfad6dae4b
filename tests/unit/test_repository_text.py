"""The repository's own text: no merge left half-done in code, docs or configuration."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)
SUFFIXES = {".py", ".md", ".toml", ".tcss", ".j2", ".txt", ".ini", ".cfg", ".yaml", ".yml"}


def test_no_merge_conflict_markers():
    checked, marked = 0, []
    for folder in ("workbench", "tests", "bench", "docs", "config", ".ci"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and (path.suffix in SUFFIXES or folder == ".ci"):
                checked += 1
                if MARKER.search(path.read_text(encoding="utf-8", errors="replace")):
                    marked.append(str(path.relative_to(ROOT)))
    for name in ("README.md", "pyproject.toml"):
        checked += 1
        if MARKER.search((ROOT / name).read_text(encoding="utf-8")):
            marked.append(name)
    assert checked > 100
    assert marked == []
