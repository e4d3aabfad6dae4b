"""Labels of the reveal dialog's purposes and of the supervisors' access approvals."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "reveal.choose_purpose": ("选择用途（必选）", "Choose a purpose (required)"),
    "reveal.note": (
        "补充说明（可选，勿填手机号、身份证号或邮箱）",
        "Note (optional; no phone, ID number or e-mail)",
    ),
    "approvals.title": (
        "访问审批：本小时达到上限的员工",
        "Access approvals: staff at the hour's limit",
    ),
    "approvals.empty": ("没有待审批的请求。", "No approval requests waiting."),
    "approvals.waiting": (
        "{n} 个访问审批待处理（F8 查看）",
        "{n} access approvals waiting (F8 to see them)",
    ),
    "approvals.col.id": ("编号", "No."),
    "approvals.col.staff": ("员工", "Staff"),
    "approvals.col.action": ("操作", "Action"),
    "approvals.col.used": ("已用次数", "Used"),
    "approvals.col.asked": ("申请时间", "Asked at"),
    "approvals.col.until": ("本小时截止", "Hour ends"),
    "approvals.action.lookup": ("会员查询", "look-ups"),
    "approvals.action.reveal": ("明文查看", "reveals"),
    "approvals.none_chosen": ("请先选择一个请求。", "Choose a request first."),
    "approvals.question": (
        "批准 {staff} 本小时继续{action}（至 {until}）？",
        "Let {staff} make more {action} this hour (until {until})?",
    ),
    "approvals.approved": (
        "已批准 {staff} 继续{action}，至 {until}",
        "Approved: {staff} may make more {action} until {until}",
    ),
    "key.Approvals": ("访问审批", "Approvals"),
    "key.Approve": ("批准", "Approve"),
}
