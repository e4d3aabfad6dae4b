"""Configuration files read once per version: every command, workbench and test reads the same
settings, tier scheme, templates and policies, and parsing them again each time was a good part of
a command's start-up. A file is parsed again when its modification time or size changes."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any


def read_toml(path: Path) -> Mapping[str, Any]:
    """The parsed document (shared between callers: read it, never change it). Raises what
    reading and parsing raise: OSError, tomllib.TOMLDecodeError."""
    stat = os.stat(path)
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _parsed(path: str, _mtime_ns: int, _size: int) -> Mapping[str, Any]:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))
