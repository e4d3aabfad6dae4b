"""Labels of the statistics' small-group protection: how a hidden cell says why it is hidden."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "stats.hidden": ("已隐藏", "hidden"),
}
