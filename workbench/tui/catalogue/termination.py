"""Labels of the termination screens (seed 002 §七)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # The member desk's menus
    "termination.menu_pending": ("待终止会员", "Pending terminations"),
    "termination.menu_request": ("登记退会申请", "Record a request to leave"),
    "termination.menu_notice": ("终止通知 / 立即终止", "Give notice / terminate now"),
    "termination.menu_withdraw": ("撤回退会申请", "Withdraw the request to leave"),
    # Reasons and states
    "termination.reason.voluntary": ("本人申请退会", "voluntary"),
    "termination.reason.inactivity": ("等级降级/不活跃", "demotion or inactivity"),
    "termination.reason.violation": ("违规", "violation"),
    "termination.reason.business_change": ("业务调整", "business change"),
    "termination.status.requested": ("已申请，未通知", "requested, no notice yet"),
    "termination.status.notice_given": ("已通知", "notice given"),
    "termination.status.withdrawn": ("已撤回", "withdrawn"),
    "termination.status.terminated": ("已终止", "terminated"),
    # The member's screens
    "termination.loading": ("正在读取……", "Loading…"),
    "termination.member": ("会员 {member_no} {name}", "Member {member_no} {name}"),
    "termination.none": ("没有待处理的终止", "No termination pending"),
    "termination.case": (
        "{reason} · {status} · 申请人 {requested_by} · 通知人 {notice_by} · 生效 {due}",
        "{reason} · {status} · asked by {requested_by} · notice by {notice_by} · takes effect {due}",
    ),
    "termination.request_title": (
        "登记会员本人的退会申请（Ctrl+S 登记，Esc 返回）",
        "Record the member's request to leave (Ctrl+S to record, Esc back)",
    ),
    "termination.note": (
        "会员所说的原因（可选，加密保存）",
        "What the member said (optional, kept encrypted)",
    ),
    "termination.notice_title": (
        "终止通知：将以短信和邮件告知会员原因和生效日期（Ctrl+S 发出通知；"
        "自愿退会可 Ctrl+E 立即终止）",
        "Notice: the member is sent the reason and the date by SMS and e-mail (Ctrl+S gives "
        "notice; a voluntary request can be ended now with Ctrl+E)",
    ),
    "termination.notice_days": ("通知期 {days} 天", "Notice period: {days} days"),
    "termination.reason": ("原因", "Reason"),
    "termination.withdraw_title": (
        "会员撤回退会申请（生效日期之前；Ctrl+S 登记撤回，Esc 返回）",
        "The member withdraws the request (before the date; Ctrl+S to record, Esc back)",
    ),
    "termination.confirm_now": (
        "立即终止会员 {member_no} 的会员资格？剩余积分和寄存商品将结算，个人资料将删除，无法撤销。",
        "End the membership of {member_no} now? Points and stored goods are settled and the "
        "personal data erased; this cannot be undone.",
    ),
    "termination.confirm_submit": ("立即终止", "Terminate now"),
    "termination.requested": (
        "已登记 {member_no} 的退会申请",
        "Request to leave recorded for {member_no}",
    ),
    "termination.noticed": (
        "已向 {member_no} 发出终止通知（{messages} 条消息），生效日期 {due}",
        "Notice given to {member_no} ({messages} messages), takes effect {due}",
    ),
    "termination.terminated": (
        "{member_no} 的会员资格已终止",
        "The membership of {member_no} has ended",
    ),
    "termination.withdrawn": ("{member_no} 已撤回退会申请", "{member_no} withdrew the request"),
    # The pending list
    "termination.pending_title": (
        "待终止会员（按生效日期；F5 刷新，Esc 返回）",
        "Pending terminations (by date; F5 refresh, Esc back)",
    ),
    "termination.pending_none": ("没有待终止的会员", "No termination pending"),
    "termination.col.member": ("会员", "Member"),
    "termination.col.name": ("姓名", "Name"),
    "termination.col.reason": ("原因", "Reason"),
    "termination.col.status": ("状态", "Status"),
    "termination.col.requested_by": ("申请人", "Asked by"),
    "termination.col.notice_by": ("通知人", "Notice by"),
    "termination.col.due": ("生效日期", "Takes effect"),
    # The messages on the profile's history
    "template.termination_notice": ("终止通知", "Termination notice"),
    "template.termination_withdrawn": ("退会申请撤回", "Request withdrawn"),
    # Keys
    "key.Record request": ("登记申请", "Record request"),
    "key.Give notice": ("发出通知", "Give notice"),
    "key.Terminate now": ("立即终止", "Terminate now"),
    "key.Record withdrawal": ("登记撤回", "Record withdrawal"),
    "key.Reload terminations": ("刷新", "Reload"),
    "termination.confirm_notice": (
        "向会员 {member_no} 发出终止通知？通知将立即以短信和邮件发送。",
        "Give member {member_no} notice of termination? It is sent by SMS and e-mail at once.",
    ),
    "termination.confirm_notice_submit": ("发出通知", "Send the notice"),
}
