"""Labels of the assigned-agent form (专属客服, routing by tier): the member menu's entry,
the form, and its keys."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "assigned.menu": ("专属客服", "Assigned agent"),
    "assigned.title": (
        "会员 {member_no} 的专属客服（Ctrl+S 指定，Ctrl+R 取消指定，Esc 返回）",
        "Assigned agent of {member_no} (Ctrl+S assigns, Ctrl+R unassigns, Esc back)",
    ),
    "assigned.loading": ("正在读取……", "Loading…"),
    "assigned.now": (
        "等级 {tier} · 当前专属客服：{agent}",
        "Tier {tier} · assigned agent: {agent}",
    ),
    "assigned.none": ("无", "none"),
    "assigned.username": ("客服用户名", "Agent's username"),
    "assigned.assigned": ("已指定专属客服 {agent}", "Assigned agent {agent}"),
    "assigned.unassigned": ("已取消专属客服", "No assigned agent now"),
    "key.Assign agent": ("指定专属客服", "Assign agent"),
    "key.Unassign agent": ("取消专属客服", "Unassign agent"),
}
