"""Labels of the errors the desk shows (issue 17 item 8): the use cases' messages are English
(the CLI's and the logs' language); `Labels.error` shows them in the desk's language — the
common ones by their kind (refused, not found, out of reach, an expired session; the message's own words, which name the
record, after them), a form's by
the field it names and a pattern of the message (`error.pattern.*` in workbench.tui.labels)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "error.session_expired": ("会话已结束，请重新登录", "{message}"),
    "error.session_idle": ("长时间未操作，会话已结束，请重新登录", "{message}"),
    "error.account_inactive": ("该账号已停用", "{message}"),
    "error.sign_in_refused": ("用户名或密码错误", "{message}"),
    "error.sign_in_terminal": ("本工作站不能登录：{message}", "{message}"),
    "error.out_of_reach": ("您无权查看该会员，或没有该会员", "{message}"),
    "error.permission_denied": ("您的角色不能执行此操作", "{message}"),
    "error.not_found": ("未找到相应记录（{message}）", "{message}"),
    "error.invalid_state": ("记录当前的状态不允许此操作（{message}）", "{message}"),
    "error.duplicate_member": (
        "该号码已被其他会员使用，客服可以合并会员",
        "{message}",
    ),
    "error.insufficient_points": ("积分不足（{message}）", "{message}"),
    "error.limit_exceeded": ("已超过限额（{message}）", "{message}"),
    "error.unexpected": (
        "出现意外错误，已记录为 {incident}{where}。请重试；如再次出现，请把这个编号告诉管理员。",
        "{message}",
    ),
    "error.unexpected_where": ("（日志：{path}）", " in {path}"),
    "error.invalid": ("{field}：{detail}", "{message}"),
    "error.invalid_field": ("输入有误", "input"),
    # What a form's message says, by its pattern (the English is the use case's own)
    "error.pattern.required": ("必填", "{message}"),
    "error.pattern.date": ("请按 YYYY-MM-DD 填写日期", "{message}"),
    "error.pattern.at_most": ("最多 {n} 个字符", "{message}"),
    "error.pattern.at_least": ("请输入不小于 {n} 的整数", "{message}"),
    "error.pattern.one_of": ("只能是：{values}", "{message}"),
    "error.pattern.phone": ("不是有效的中国大陆手机号（11 位，13x–19x）", "{message}"),
    "error.pattern.id_number": ("身份证号无效（{message}）", "{message}"),
    "error.pattern.whole_number": ("请输入整数", "{message}"),
    "error.pattern.amount": ("请输入金额（元，最多两位小数，不能为负）", "{message}"),
    "error.pattern.other": ("输入不符合要求（{message}）", "{message}"),
    # Field names the use cases give, beyond field.* and complaint.*
    "error.field.description": ("投诉内容", "description"),
    "error.field.category": ("类别", "category"),
    "error.field.channel": ("渠道", "channel"),
    "error.field.priority": ("优先级", "priority"),
    "error.field.note": ("备注", "note"),
    "error.field.reason": ("原因", "reason"),
    "error.field.purpose": ("原因", "purpose"),
    "error.field.disposition": ("处理结果", "disposition"),
    "error.field.days": ("天数", "days"),
    "error.field.department": ("责任部门", "department"),
    "error.field.handler": ("处理人", "handler"),
    "error.field.cause": ("根本原因", "cause"),
    "error.field.party": ("责任方", "party"),
    "error.field.plan": ("处理方案", "plan"),
    "error.field.score": ("满意度", "score"),
    "error.field.points": ("积分", "points"),
    "error.field.amount": ("金额", "amount"),
    "error.field.store": ("门店", "store"),
    "error.field.store_code": ("门店", "store"),
    "error.field.card_no": ("卡号", "card number"),
    "error.field.username": ("用户名", "username"),
    "error.field.language": ("语言", "language"),
    "error.field.template": ("内容", "template"),
    "error.field.when": ("时间", "time"),
    "error.field.pick_up_by": ("领取期限", "pick-up date"),
    "error.field.quantity": ("数量", "quantity"),
    "error.field.capacity": ("名额", "capacity"),
    "error.field.budget": ("预算", "budget"),
    "error.field.theme": ("主题", "theme"),
}
