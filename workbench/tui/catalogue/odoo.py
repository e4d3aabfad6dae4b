"""Labels of the Odoo screens: the sync's open issues and the identity changes held for review."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "odoo_issues.title": ("Odoo 同步问题（未解决）", "Odoo sync issues (open)"),
    "odoo_issues.count": (
        "共 {total} 个未解决问题 · 第 {page}/{pages} 页",
        "{total} open issues · page {page} of {pages}",
    ),
    "odoo_issues.empty": ("没有未解决的同步问题。", "No open sync issues."),
    "odoo_issues.col.id": ("编号", "No."),
    "odoo_issues.col.kind": ("类型", "Kind"),
    "odoo_issues.col.record": ("Odoo 记录", "Odoo record"),
    "odoo_issues.col.member": ("会员", "Member"),
    "odoo_issues.col.fields": ("字段", "Fields"),
    "odoo_issues.col.seen": ("出现次数", "Runs"),
    "odoo_issues.col.reason": ("原因", "Reason"),
    "odoo_issues.kind.skipped": ("已跳过", "skipped"),
    "odoo_issues.kind.dropped": ("值已舍弃", "value dropped"),
    "odoo_issues.kind.archived": ("已归档", "archived"),
    "odoo_issues.kind.conflict": ("冲突", "conflict"),
    "odoo_issues.none_chosen": ("请先选择一个问题。", "Choose an issue first."),
    "odoo_issues.admins_only": (
        "只有管理员可以忽略问题。",
        "Only an administrator dismisses issues.",
    ),
    "odoo_issues.question": (
        "忽略问题 {id}（{record}）？此后不再列出，直到该记录在 Odoo 中再次变更。",
        "Dismiss issue {id} ({record})? It leaves the list until the record changes in Odoo.",
    ),
    "odoo_issues.dismiss_button": ("忽略", "Dismiss"),
    "odoo_issues.dismissed": ("问题 {id} 已忽略。", "Issue {id} dismissed."),
    "odoo_reviews.title": (
        "待审核的身份变更（来自 Odoo）",
        "Identity changes held for review (from Odoo)",
    ),
    "odoo_reviews.empty": ("没有待审核的身份变更。", "No identity changes waiting."),
    "odoo_reviews.col.id": ("编号", "No."),
    "odoo_reviews.col.member": ("会员", "Member"),
    "odoo_reviews.col.partner": ("Odoo 联系人", "Odoo partner"),
    "odoo_reviews.col.fields": ("变更字段", "Changes"),
    "odoo_reviews.col.source": ("来源", "Source"),
    "odoo_reviews.col.held": ("暂存时间", "Held at"),
    "odoo_reviews.source.linked": ("会员本人的联系人", "the member's own partner"),
    "odoo_reviews.source.mobile": ("用同一手机号的联系人", "a partner on their mobile"),
    "odoo_reviews.field.name": ("姓名", "name"),
    "odoo_reviews.field.id_number": ("身份证号", "ID number"),
    "odoo_reviews.change": (
        "{field}：现为 {ours} → Odoo {odoo}",
        "{field}: now {ours} → Odoo {odoo}",
    ),
    "odoo_reviews.none": ("（无）", "(none)"),
    "odoo_reviews.gone": (
        "该联系人已不在 Odoo 中：只能拒绝。",
        "The partner is no longer in Odoo: it can only be rejected.",
    ),
    "odoo_reviews.changed_since": (
        "该联系人暂存后在 Odoo 中又有变更：下次拉取会按新内容重新暂存。",
        "The partner changed in Odoo after it was held: the next pull holds it again as it is.",
    ),
    "odoo_reviews.none_chosen": ("请先选择一个变更。", "Choose a change first."),
    "odoo_reviews.apply_question": (
        "将 Odoo 的内容用于会员 {member}？\n{changes}",
        "Take Odoo's values for member {member}?\n{changes}",
    ),
    "odoo_reviews.reject_question": (
        "拒绝此变更，会员 {member} 保持不变？\n{changes}",
        "Reject the change and keep member {member} as they are?\n{changes}",
    ),
    "odoo_reviews.apply_button": ("采用", "Apply"),
    "odoo_reviews.reject_button": ("拒绝", "Reject"),
    "odoo_reviews.applied": (
        "会员 {member} 已按 Odoo 更新。",
        "Member {member} updated from Odoo.",
    ),
    "odoo_reviews.rejected": (
        "变更已拒绝，会员 {member} 不变。",
        "Rejected: member {member} unchanged.",
    ),
    "key.Odoo issues": ("Odoo 问题", "Odoo issues"),
    "key.Identity reviews": ("身份审核", "Identity reviews"),
    "key.Dismiss issue": ("忽略问题", "Dismiss issue"),
    "key.Next page": ("下一页", "Next page"),
    "key.Previous page": ("上一页", "Previous page"),
    "key.Apply change": ("采用变更", "Apply change"),
    "key.Reject change": ("拒绝变更", "Reject change"),
    "key.Reload Odoo": ("刷新", "Reload"),
}
