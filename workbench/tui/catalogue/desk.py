"""Labels of the member desk's menus."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "desk.counter_title": (
        "会员业务（Enter 选择，Esc 返回）",
        "Member desk (Enter to choose, Esc back)",
    ),
    "desk.member_title": ("为会员 {member_no} 办理", "For member {member_no}"),
    "desk.nothing": ("您的角色在此没有可办理的业务", "Nothing here for your role"),
    "key.Member desk": ("会员业务", "Member desk"),
    "key.Member actions": ("会员业务", "Member actions"),
}
