"""Labels of the dashboard's withheld figures (small groups, for store managers and analysts)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "dashboard_figures.weeks_hidden": (
        "少于{n}件的周不显示（保护小群体）",
        "weeks with fewer than {n} complaints are not shown (small groups)",
    ),
}
