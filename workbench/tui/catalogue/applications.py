"""Labels of the application form, the review queue and the returned applications."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # Counter menu entries
    "applications.menu_submit": ("填写入会申请", "Fill in a membership application"),
    "applications.menu_queue": ("入会申请审核队列", "Review queue of applications"),
    "applications.menu_returned": ("我被退回的申请", "My returned applications"),
    # The form
    "applications.title_new": (
        "入会申请（Ctrl+S 提交，Esc 返回）",
        "Membership application (Ctrl+S submit, Esc back)",
    ),
    "applications.title_fix": (
        "修改退回的申请 {member_no}（留空的项保持不变；Ctrl+S 重新提交）",
        "Correct returned application {member_no} (empty fields stay as they are; Ctrl+S)",
    ),
    "applications.returned_reason": ("退回原因：{reason}", "Returned because: {reason}"),
    "applications.name": ("姓名", "Name"),
    "applications.phone": ("手机号码", "Mobile number"),
    "applications.id_number": ("身份证号码", "ID-card number"),
    "applications.gender": ("性别（可选，须与身份证一致）", "Gender (optional, as on the ID card)"),
    "applications.gender_m": ("男", "Male"),
    "applications.gender_f": ("女", "Female"),
    "applications.birthday": (
        "生日 YYYY-MM-DD（可选，须与身份证一致）",
        "Birthday YYYY-MM-DD (optional, as on the ID card)",
    ),
    "applications.email": ("邮箱（可选）", "E-mail (optional)"),
    "applications.address": ("地址（可选）", "Address (optional)"),
    "applications.channel": ("入会渠道", "Channel"),
    "applications.channel.store": ("门店", "Store"),
    "applications.channel.online": ("网上", "Online"),
    "applications.channel.partner": ("合作方", "Partner"),
    "applications.channel.hotline": ("热线", "Hotline"),
    "applications.referrer": ("推荐人会员号或卡号（可选）", "Referrer's member or card number"),
    "applications.store": ("门店", "Store"),
    "applications.threshold": (
        "本方案须一次性消费满 {amount} 元方可入会：请填写该笔消费",
        "This scheme admits members with one purchase of {amount} yuan or more: enter it",
    ),
    "applications.purchase_amount": ("消费金额（元）", "Purchase amount (yuan)"),
    "applications.purchase_receipt": ("小票号", "Receipt number"),
    "applications.submitted": (
        "申请 {member_no}（{name}）已提交，等待客服审核",
        "Application {member_no} ({name}) submitted for review",
    ),
    "applications.resubmitted": (
        "申请 {member_no} 已重新提交审核",
        "Application {member_no} resubmitted for review",
    ),
    # The review queue
    "applications.queue_title": (
        "入会申请审核（最早的在前；审核时限 {hours} 小时；Ctrl+Y 通过，Ctrl+R 退回，F5 刷新）",
        "Applications to review (oldest first; SLA {hours} h; Ctrl+Y approve, Ctrl+R return, "
        "F5 reload)",
    ),
    "applications.queue_empty": ("没有待审核的申请", "No applications waiting"),
    "applications.col.member": ("会员号", "Member"),
    "applications.col.name": ("姓名", "Name"),
    "applications.col.channel": ("渠道", "Channel"),
    "applications.col.store": ("门店", "Store"),
    "applications.col.by": ("提交人", "Submitted by"),
    "applications.col.age": ("已等待", "Waiting"),
    "applications.col.sla": ("时限", "SLA"),
    "applications.col.purchase": ("入会消费", "Purchase"),
    "applications.col.reason": ("退回原因", "Reason"),
    "applications.col.reviewer": ("审核人", "Returned by"),
    "applications.col.when": ("时间", "When"),
    "applications.age": ("{hours} 小时", "{hours} h"),
    "applications.sla_ok": ("剩 {hours} 小时", "{hours} h left"),
    "applications.sla_over": ("超时 {hours} 小时", "{hours} h over"),
    "applications.again": ("（重提）", " (again)"),
    "applications.approve_question": (
        "通过申请 {member_no}（{name}）？将发卡并发送欢迎短信/邮件。",
        "Approve application {member_no} ({name})? A card is issued and the welcome sent.",
    ),
    "applications.approve_button": ("通过", "Approve"),
    "applications.approved": (
        "{member_no} 已通过：卡号 {card_no}，等级 {tier}",
        "{member_no} approved: card {card_no}, tier {tier}",
    ),
    "applications.reject_title": (
        "退回申请 {member_no}（{name}）给提交人修改",
        "Return application {member_no} ({name}) to its submitter",
    ),
    "applications.reject_reason": ("退回原因（提交人可见）", "Reason (the submitter sees it)"),
    "applications.reject_button": ("退回", "Return"),
    "applications.reason_needed": ("请说明退回原因", "say why the application is returned"),
    "applications.rejected": (
        "{member_no} 已退回给 {submitter}",
        "{member_no} returned to {submitter}",
    ),
    "applications.none_chosen": ("请先选择一条申请", "choose an application first"),
    # Returned applications
    "applications.returned_title": (
        "我被退回的申请（Enter 修改后重新提交，Esc 返回）",
        "My returned applications (Enter to correct and resubmit, Esc back)",
    ),
    "applications.returned_empty": ("没有被退回的申请", "No returned applications"),
    "applications.returned_notice": (
        "您有 {n} 份入会申请被退回待修改（F3 会员业务 → 我被退回的申请）",
        "{n} of your applications were returned for correction (F3 → My returned applications)",
    ),
    "key.Approve application": ("通过申请", "Approve"),
    "key.Return application": ("退回申请", "Return"),
    "key.Send application": ("提交申请", "Submit"),
    "applications.marketing": (
        "会员同意接收营销短信和邮件（由会员本人选择）",
        "The applicant agrees to marketing SMS and e-mail (their own choice)",
    ),
}
