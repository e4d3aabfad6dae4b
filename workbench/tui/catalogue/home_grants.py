"""Labels of the home screen's list of the signed-in staff member's live access grants."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "home_grants.member": ("会员", "Member"),
    "home_grants.source": ("来源", "Source"),
    "home_grants.from": ("开始", "From"),
    "home_grants.until": ("截止", "Until"),
    "home_grants.left": ("剩余", "Left"),
    # Where a grant came from (workbench.permissions.models.GrantSource)
    "home_grants.source_callback": ("回访", "callback"),
    "home_grants.source_call": ("来电", "call"),
    "home_grants.source_ticket": ("投诉处理", "complaint"),
    "home_grants.source_lookup": ("查找", "look-up"),
    "home_grants.source_manual": ("管理员授权", "by an administrator"),
}
