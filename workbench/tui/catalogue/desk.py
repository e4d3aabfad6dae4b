"""Labels of the member desk's menus, and of the call bar (workbench.tui.widgets.call_bar)."""

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
    # The call bar
    "call_bar.line": (
        "☎ {state} {caller} · {who} · 通话 {talk}",
        "☎ {state} {caller} · {who} · talk {talk}",
    ),
    "call_bar.hold": (" · 保持 {held}", " · on hold {held}"),
    "call_bar.member": ("会员 {member_no}", "member {member_no}"),
    "call_bar.new_caller": ("新来电", "new caller"),
    "call_bar.withheld": ("号码未显示", "number withheld"),
    "call_bar.state_ringing": ("振铃中", "Ringing"),
    "call_bar.state_in_progress": ("通话中", "In progress"),
    "call_bar.state_on_hold": ("保持中", "On hold"),
    "call_bar.state_ended": ("已结束", "Ended"),
    "call_bar.wrap_up": (
        "✎ 话后处理：通话 {call_id} · {spent} / 限时 {limit} — F12 填写",
        "✎ Wrap-up of call {call_id} · {spent} of {limit} — F12 to fill it in",
    ),
    "wrap_up.limit": ("已用 {spent}，限时 {limit}", "{spent} so far, limit {limit}"),
    "call_bar.wrap_up_over": ("（已超时）", " (over the limit)"),
    "call_bar.end_confirm": (
        "挂断与 {caller} 的通话？挂断后需完成话后处理。",
        "End the call with {caller}? Its wrap-up follows.",
    ),
    "call_bar.end": ("挂断", "End call"),
    "call_bar.hold_done": ("来电方正在保持，按 F11 恢复通话", "The caller is on hold: F11 resumes"),
    "call_bar.resume_done": ("正在恢复通话", "Resuming the call"),
    "call_bar.transfer_done": ("已转接至 {queue}", "Transferred to {queue}"),
    "call_bar.end_done": ("正在挂断", "Ending the call"),
    "key.Hold/resume": ("保持/恢复", "Hold/resume"),
    "key.End call": ("挂断", "End call"),
    "key.Wrap up": ("话后处理", "Wrap up"),
}
