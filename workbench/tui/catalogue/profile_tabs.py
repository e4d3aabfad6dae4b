"""Labels of the profile's history-tab keys (Alt+1..Alt+5)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "key.Purchases tab": ("标签页：消费", "Purchases tab"),
    "key.Messages tab": ("标签页：通讯记录", "Messages tab"),
    "key.Complaints tab": ("标签页：投诉", "Complaints tab"),
    "key.Callbacks tab": ("标签页：回访", "Callbacks tab"),
    "key.Calls tab": ("标签页：通话", "Calls tab"),
}
