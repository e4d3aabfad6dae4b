"""Labels of report rollups: when the figures a screen shows from a rollup were computed."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "stats.as_of": ("数据截至 {at}（定时汇总）", "figures as of {at} (scheduled rollup)"),
}
