"""Labels of the SLA clocks: how long a complaint has been overdue."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "sla.overdue_by": ("超时 {span}", "overdue {span}"),
    "sla.days_hours": ("{days}天{hours}小时", "{days}d {hours}h"),
    "sla.hours_minutes": ("{hours}小时{minutes}分", "{hours}h {minutes}m"),
    "sla.minutes": ("{minutes}分", "{minutes}m"),
    "sla.seconds": ("{seconds}秒", "{seconds}s"),
}
