"""The UI catalogue: every label in zh-CN and English. Identifiers stay English."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("会员服务工作台", "Member service workbench"),
    "sign_in.title": ("员工登录", "Staff sign-in"),
    "sign_in.username": ("用户名", "Username"),
    "sign_in.password": ("密码", "Password"),
    "sign_in.submit": ("登录", "Sign in"),
    "sign_in.expired": ("会话已结束，请重新登录", "Session ended: sign in again"),
    "home.search": ("手机号或卡号（精确查找）", "Phone or card number (exact)"),
    "home.search_button": ("查找", "Find"),
    "home.grants": ("我的授权（剩余时间）", "My access grants (time left)"),
    "home.not_found": ("未找到该会员", "No member found"),
    "home.welcome": ("欢迎", "Welcome"),
    "profile.title": ("会员资料", "Member profile"),
    "profile.access_until": ("授权剩余", "Access ends in"),
    "profile.access_standing": ("长期权限", "standing access"),
    "profile.access_ended": (
        "授权已结束，会员资料已隐藏",
        "Access has ended: the member's data is hidden",
    ),
    "profile.points": ("积分余额", "Points balance"),
    "profile.expiring": ("即将过期积分", "Points expiring soon"),
    "profile.tier": ("等级", "Tier"),
    "profile.card": ("会员卡", "Card"),
    "profile.status": ("状态", "Status"),
    "profile.store": ("门店", "Store"),
    "profile.purchases": ("消费次数", "Purchases"),
    "profile.revealed_until": ("明文显示至", "shown until"),
    "field.name": ("姓名", "Name"),
    "field.phone": ("手机", "Phone"),
    "field.id_number": ("身份证号", "ID number"),
    "field.email": ("邮箱", "Email"),
    "field.address": ("地址", "Address"),
    "field.birthday": ("生日", "Birthday"),
    "field.unavailable": ("（无权限）", "(not granted)"),
    "reveal.title": ("显示明文", "Reveal a field"),
    "reveal.field": ("字段", "Field"),
    "reveal.reason": ("原因（将记录审计）", "Reason (recorded in the audit log)"),
    "reveal.submit": ("显示", "Reveal"),
    "reveal.cancel": ("取消", "Cancel"),
    "stats.title": ("会员统计（仅汇总）", "Member statistics (aggregates only)"),
    "stats.store": ("门店", "Store"),
    "stats.tier": ("等级", "Tier"),
    "stats.count": ("会员数", "Members"),
    "stats.suppressed": ("<{n}（已隐藏）", "<{n} (hidden)"),
    "help.title": ("帮助", "Help"),
    "action.back": ("返回", "Back"),
    "action.reveal": ("显示明文", "Reveal"),
    "action.sign_out": ("退出登录", "Sign out"),
    "action.language": ("中/英", "中/EN"),
    "action.help": ("帮助", "Help"),
    "action.stats": ("统计", "Statistics"),
    "action.search": ("查找", "Search"),
    "action.complaint": ("登记投诉", "Register a complaint"),
    "complaint.new": ("登记投诉", "New complaint"),
    "complaint.member": ("会员", "Member"),
    "complaint.channel": ("渠道", "Channel"),
    "complaint.category": ("类别", "Category"),
    "complaint.priority": ("优先级", "Priority"),
    "complaint.description": ("投诉内容", "What the member says"),
    "complaint.submit": ("提交", "Submit"),
    "complaint.cancel": ("取消", "Cancel"),
    "complaint.created": ("已登记投诉 {no}", "Complaint {no} registered"),
    "complaint.title": ("投诉", "Complaint"),
    "complaint.state": ("状态", "State"),
    "complaint.round": ("第{n}轮", "round {n}"),
    "complaint.due": ("处理时限", "Resolution due"),
    "complaint.paused": ("等待会员（计时暂停）", "waiting on the member (clock stopped)"),
    "complaint.overdue": ("已超时", "overdue"),
    "complaint.left": ("剩余", "left"),
    "complaint.timeline": ("处理记录", "Timeline"),
    "complaint.mine": ("我的待办投诉", "My open complaints"),
    "complaint.note": ("备注", "Note"),
    "complaint.department": ("责任部门", "Department"),
    "complaint.handler": ("处理人（用户名，可空）", "Handler (username, optional)"),
    "complaint.cause": ("根本原因", "Root cause"),
    "complaint.party": ("责任方", "Responsible party"),
    "complaint.plan": ("处理方案", "Resolution plan"),
    "complaint.score": ("满意度（1-5）", "Satisfaction (1–5)"),
    "complaint.reason": ("原因", "Reason"),
    "step.assign": ("分派", "Assign"),
    "step.investigate": ("开始调查", "Investigate"),
    "step.propose_resolution": ("提交方案", "Propose resolution"),
    "step.approve_resolution": ("批准方案", "Approve resolution"),
    "step.reject_resolution": ("退回方案", "Reject resolution"),
    "step.inform_member": ("告知会员", "Inform the member"),
    "step.satisfaction": ("记录满意度", "Record satisfaction"),
    "step.supervisor_close": ("主管结案", "Close (supervisor)"),
    "step.reply": ("联系会员", "Contact the member"),
    "step.wait": ("等待会员", "Wait on the member"),
    "step.resume": ("继续处理", "Resume"),
    "dashboard.title": ("主管看板", "Supervisor dashboard"),
    "dashboard.by_state": ("各状态投诉", "Complaints by state"),
    "dashboard.breached": ("超时与升级", "Breaches and escalations"),
    "dashboard.compliance": ("时限达成率", "SLA compliance"),
    "dashboard.satisfaction": ("满意度", "Satisfaction"),
    "dashboard.trend": ("每周投诉趋势", "Weekly complaints"),
    "action.dashboard": ("看板", "Dashboard"),
    "action.next_callback": ("下一个回访", "Next callback"),
    "callback.none": ("目前没有到期的回访任务", "No callback is due now"),
    "callback.title": ("回访", "Callback"),
    "callback.feedback": ("会员反馈（可空）", "The member's feedback (optional)"),
    "callback.later": ("再次致电时间（HH:MM，今天）", "Call again at (HH:MM, today)"),
    "callback.keys": (
        "结果：1 已接通 · 2 无人接听 · 3 忙线 · 4 号码错误 · 5 稍后回电 · 6 拒绝 · 7 勿再致电",
        "Outcome: 1 reached · 2 no answer · 3 busy · 4 wrong number · 5 call back later · "
        "6 refused · 7 do not call",
    ),
    "callback.recorded": ("已记录回访结果：{outcome}", "Outcome recorded: {outcome}"),
    "script.complaint_follow_up": (
        "您好，这里是会员服务中心。关于您之前的投诉，我们想了解处理结果是否令您满意。",
        "Hello, this is member services. About your complaint: are you satisfied with how it "
        "was resolved?",
    ),
    "script.satisfaction_check": (
        "您好，这里是会员服务中心，想占用您一分钟，了解您对我们服务的满意度。",
        "Hello, this is member services: may we have a minute to ask how satisfied you are?",
    ),
    "script.points_expiring": (
        "您好，提醒您有积分即将到期，可在门店或线上兑换礼品。",
        "Hello: some of your points expire soon; they can be redeemed in store or online.",
    ),
    "script.birthday_care": (
        "您好，祝您生日快乐！会员生日礼已为您准备好。",
        "Hello, and happy birthday! Your member birthday gift is ready for you.",
    ),
    "script.tier_change": (
        "您好，您的会员等级已更新，为您介绍新的会员权益。",
        "Hello: your membership tier has changed; here are your new rights.",
    ),
    "script.campaign": (
        "您好，这里是会员服务中心，感谢您一直以来的支持，想向您介绍近期的会员活动。",
        "Hello, this is member services: thank you for your loyalty; may we tell you about our "
        "member events?",
    ),
    "script.member_request": (
        "您好，您之前请求我们回电，请问有什么可以帮您？",
        "Hello, you asked us to call you back: how can we help?",
    ),
}


class Labels:
    """Looks labels up in the current language; `toggle` switches zh-CN and English."""

    def __init__(self, language: str = "zh-CN") -> None:
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        zh, en = LABELS[key]
        text = en if self.language == "en" else zh
        return text.format(**values) if values else text

    def toggle(self) -> None:
        self.language = "en" if self.language == "zh-CN" else "zh-CN"
