"""The UI catalogue: every label in zh-CN and English. Identifiers stay English."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from workbench.errors import (
    DuplicateMember,
    InsufficientPoints,
    InvalidIdNumber,
    InvalidPhoneNumber,
    InvalidState,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from workbench.masking.text import safe_for_terminal
from workbench.tui.catalogue import AREA_LABELS

if TYPE_CHECKING:
    from workbench.usecases.callbacks import NextCallback

LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("会员服务工作台", "Member service workbench"),
    "sign_in.title": ("员工登录", "Staff sign-in"),
    "sign_in.username": ("用户名", "Username"),
    "sign_in.password": ("密码", "Password"),
    "sign_in.submit": ("登录", "Sign in"),
    "sign_in.expired": ("会话已结束，请重新登录", "Session ended: sign in again"),
    "sign_in.demo_hint": (
        "演示账号：{logins}，密码 {password}\n可查找的卡号：{cards}",
        "demo: {logins} — password {password}\nsearch for a card: {cards}",
    ),
    "home.search": ("手机号或卡号（精确查找）", "Phone or card number (exact)"),
    "home.search_button": ("查找", "Find"),
    "home.grants": ("我的授权（剩余时间）", "My access grants (time left)"),
    "home.callbacks_due": (
        "待回访：{n} 个到期（Ctrl+N 领取下一个）",
        "Callbacks due: {n} (Ctrl+N takes the next)",
    ),
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
    # Calls, registration and the profile's actions
    "call.incoming_toast": (
        "有新来电：返回首页按 F2 接听",
        "A call is waiting: F2 on the home screen",
    ),
    "call.member": ("会员", "member"),
    "call.new_caller": ("新来电（未注册）", "new caller"),
    "call.banner": (
        "☎ 来电 {caller} · {who} · 队列 {queue} · 已等待 {waited} — F2 接听",
        "☎ Call from {caller} · {who} · queue {queue} · waiting {waited} — F2 to take it",
    ),
    "call.more": ("（另有 {n} 个来电排队）", "({n} more waiting)"),
    "call.other_branch": (
        "来电会员属于其他门店：可以接听，但不能查看其资料",
        "The caller is another branch's member: you may talk, not see their record",
    ),
    "call.on_call": (
        "通话中（通话 #{call_id}）：Ctrl+T 转接",
        "On call #{call_id}: Ctrl+T to transfer",
    ),
    "register.title": ("登记新会员（来电）", "Register the caller as a member"),
    "register.phone_from_call": (
        "手机号取自来电号码（不显示）",
        "The phone is the number they call from (not shown)",
    ),
    "register.email_optional": ("邮箱（可选）", "Email (optional)"),
    "register.address_optional": ("地址（可选）", "Address (optional)"),
    "register.store": ("所属门店", "Store"),
    "register.store_needed": ("请选择门店", "choose the member's store"),
    "register.done": (
        "已提交入会申请 {member_no}，待审核",
        "Application {member_no} sent for review",
    ),
    "callback.dialling": (
        "正在呼叫：您的话机先响，接听后接通会员",
        "Calling: your phone rings, then the member's",
    ),
    "callback.answered": ("会员已接听", "The member answered"),
    "callback.unanswered": (
        "会员未接听（{status}），已记录",
        "The member did not answer ({status}): recorded",
    ),
    "palette.key": ("快捷键", "key"),
    # Key descriptions as the bindings give them (English), in each language
    "key.Back": ("返回", "Back"),
    "key.Callback": ("安排回访", "Callback"),
    "key.Cancel": ("取消", "Cancel"),
    "key.Close": ("关闭", "Close"),
    "key.Complaint": ("登记投诉", "Complaint"),
    "key.Dashboard": ("看板", "Dashboard"),
    "key.Complaints": ("全部投诉", "Complaints"),
    "key.Demo call": ("演示来电", "Demo call"),
    "key.Dial": ("拨号", "Dial"),
    "key.Help": ("帮助", "Help"),
    "key.Lost card": ("挂失", "Lost card"),
    "key.Message": ("发消息", "Message"),
    "key.Next callback": ("下一个回访", "Next callback"),
    "key.Register": ("登记", "Register"),
    "key.Reload": ("刷新", "Reload"),
    "key.Period": ("统计期间", "Period"),
    "key.Prev tab": ("上一页", "Prev tab"),
    "key.Next tab": ("下一页", "Next tab"),
    "key.Reveal": ("显示明文", "Reveal"),
    "key.Search": ("查找", "Search"),
    "key.Sign out": ("退出登录", "Sign out"),
    "key.Statistics": ("统计", "Statistics"),
    "key.Submit": ("提交", "Submit"),
    "key.Take call": ("接听", "Take call"),
    "key.Transfer": ("转接", "Transfer"),
    "key.中/EN": ("中/EN", "中/EN"),
    "modal.cancel": ("取消", "Cancel"),
    "modal.confirm": ("确定", "Confirm"),
    "message.title": ("发送短信/邮件", "Send an SMS or e-mail"),
    "message.sms": ("短信", "SMS"),
    "message.email": ("邮件", "E-mail"),
    "message.segments": (
        "短信 {encoding}，{units} 字符，{count} 条",
        "SMS {encoding}, {units} characters, {count} part(s)",
    ),
    "message.send": ("发送", "Send"),
    "message.queued": ("消息已排队发送", "The message is queued"),
    "template.welcome": ("入会欢迎", "Welcome"),
    "template.rejection": ("申请退回", "Application returned"),
    "template.card_lost": ("挂失确认", "Lost-card confirmation"),
    "template.points_expiry": ("积分到期提醒", "Points expiry reminder"),
    "template.birthday": ("生日祝福", "Birthday greeting"),
    "template.tier_change": ("等级变更", "Tier change"),
    "template.complaint_update": ("投诉进展", "Complaint update"),
    "template.satisfaction_survey": ("满意度调查", "Satisfaction survey"),
    "template.monthly_care": ("月度关怀", "Monthly care"),
    "schedule.title": ("安排回访", "Schedule a callback"),
    "schedule.days": ("几天内回访（1–30）", "Within how many days (1–30)"),
    "schedule.days_bad": ("请输入 1 到 30 天", "Enter 1 to 30 days"),
    "schedule.submit": ("安排", "Schedule"),
    "schedule.done": ("已安排 {days} 天内回访", "Callback scheduled within {days} days"),
    "reason.complaint_follow_up": ("投诉跟进", "Complaint follow-up"),
    "reason.satisfaction_check": ("满意度回访", "Satisfaction check"),
    "reason.points_expiring": ("积分到期", "Points expiring"),
    "reason.birthday_care": ("生日关怀", "Birthday care"),
    "reason.tier_change": ("等级变更", "Tier change"),
    "reason.campaign": ("活动", "Campaign"),
    "reason.member_request": ("会员要求回电", "Member asked for a call"),
    "lost.confirm": (
        "确认为会员 {member_no} 挂失会员卡？挂失后立即冻结，不能再使用。",
        "Report member {member_no}'s card lost? It is frozen at once and cannot be used again.",
    ),
    "lost.submit": ("挂失", "Report lost"),
    "lost.done": ("尾号 {last4} 的会员卡已冻结", "Card ending {last4} is frozen"),
    "transfer.title": ("转接到", "Transfer to"),
    "transfer.submit": ("转接", "Transfer"),
    "transfer.done": ("已转接到 {queue}", "Transferred to {queue}"),
    "history.purchases": ("消费", "Purchases"),
    "history.messages": ("通讯记录", "Messages"),
    "history.complaints": ("投诉", "Complaints"),
    "history.callbacks": ("回访", "Callbacks"),
    "history.calls": ("通话", "Calls"),
    "column.when": ("时间", "When"),
    "column.amount": ("金额", "Amount"),
    "column.points": ("积分", "Points"),
    "column.store": ("门店", "Store"),
    "column.channel": ("渠道", "Channel"),
    "column.template": ("内容", "Message"),
    "column.status": ("状态", "Status"),
    "column.state": ("状态", "State"),
    "column.category": ("类别", "Category"),
    "column.priority": ("优先级", "Priority"),
    "column.satisfaction": ("满意度", "Satisfaction"),
    "column.task": ("任务", "Task"),
    "column.reason": ("原因", "Reason"),
    "column.outcome": ("结果", "Outcome"),
    "column.attempts": ("次数", "Attempts"),
    "column.until": ("截止", "Until"),
    "column.direction": ("方向", "Direction"),
    "column.seconds": ("秒", "Seconds"),
    "column.recording": ("录音", "Recording"),
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
    "complaint.left": ("剩余", "left"),
    "complaint.timeline": ("处理记录", "Timeline"),
    "complaint.mine": ("我的待办投诉", "My open complaints"),
    "complaint.all": (
        "全部未结投诉：{n} 件（最紧急在前）",
        "All open complaints: {n} (most urgent first)",
    ),
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
    # A complaint's linked records (its calls, messages and callback tasks).
    "complaint.links": ("关联的通话、消息与回访", "Calls, messages and callbacks"),
    "complaint.links_none": ("暂无关联的通话、消息或回访", "No calls, messages or callbacks yet"),
    "link.time": ("时间", "Time"),
    "link.kind": ("类型", "Kind"),
    "link.ref": ("编号", "Reference"),
    "link.what": ("内容", "What"),
    "link.call": ("通话", "Call"),
    "link.message": ("消息", "Message"),
    "link.callback": ("回访", "Callback"),
    # Statistics and KPIs, and the supervisor dashboard's additions ----------------------------
    "stats.heading": ("统计与KPI（仅汇总）", "Statistics (aggregates only)"),
    "stats.period": ("{months}：{first} 至 {last}", "{months}: {first} – {last}"),
    "stats.months": ("近{n}个月", "last {n} months"),
    "stats.note": (
        "<{n}：不足{n}人的组；已隐藏：这种组的合计，或仅为免由其他数字推算出这种组而隐藏"
        "（本身并非不足{n}）；-：由隐藏数字计算，或无可计算",
        "<{n}: a group under {n} members; hidden: the sum over such a group, or hidden only "
        "so that no such group can be worked out from the others (not under {n} itself); "
        "-: computed from a hidden figure, or n/a",
    ),
    "stats.loading": ("正在计算…", "Computing…"),
    "stats.all": ("全部门店", "All stores"),
    "stats.agent": ("员工", "Staff"),
    "stats.name": ("姓名", "Name"),
    "stats.tab.members": ("会员", "Members"),
    "stats.tab.tiers": ("等级分布", "Tiers"),
    "stats.tab.spend": ("消费与到店", "Spend"),
    "stats.tab.points": ("积分与活动", "Points"),
    "stats.tab.retention": ("留存与满意度", "Retention"),
    "stats.tab.agents": ("坐席KPI", "Agents"),
    "stats.tab.own": ("我的KPI", "My KPIs"),
    "stats.tab.branches": ("门店KPI", "Branches"),
    "stats.col.members": ("会员数", "Members"),
    "stats.col.joined": ("新入会", "Joined"),
    "stats.col.ended": ("退会", "Ended"),
    "stats.col.active": ("活跃会员", "Active"),
    "stats.col.active_pct": ("活跃率%", "Active %"),
    "stats.col.spend": ("消费额（元）", "Spend (yuan)"),
    "stats.col.spend_per_active": ("人均消费（元）", "Spend per active"),
    "stats.col.visits": ("消费次数", "Visits"),
    "stats.col.visits_per_active": ("人均次数", "Visits per active"),
    "stats.col.points_issued": ("发放积分", "Points issued"),
    "stats.col.points_redeemed": ("兑换积分", "Points redeemed"),
    "stats.col.points_expired": ("过期积分", "Points expired"),
    "stats.col.participants": ("活动参与人数", "Took part"),
    "stats.col.participation_pct": ("参与率%", "Participation %"),
    "stats.col.retention_cohort": ("上期消费会员", "Cohort"),
    "stats.col.retention_pct": ("留存率%", "Retention %"),
    "stats.col.churn_pct": ("流失率%", "Churn %"),
    "stats.col.satisfaction_scores": ("评分数", "Scores"),
    "stats.col.satisfaction_average": ("满意度", "Satisfaction"),
    "stats.col.cards_issued": ("发卡数", "Cards issued"),
    "stats.col.complaints": ("投诉数", "Complaints"),
    "stats.col.complaint_rate": ("每千人投诉", "Per 1,000 members"),
    "stats.col.calls": ("回访通话", "Calls"),
    "stats.col.reached": ("接通", "Reached"),
    "stats.col.reach_rate_pct": ("接通率%", "Reach %"),
    "stats.col.callbacks_done": ("完成回访", "Callbacks done"),
    "stats.col.complaints_closed": ("结案投诉", "Complaints closed"),
    "stats.col.complaints_resolved": ("满意解决", "Resolved"),
    "dashboard.period": ("近{days}天：{first} 至 {last}", "last {days} days: {first} – {last}"),
    "dashboard.state": ("状态", "State"),
    "dashboard.count": ("数量", "Count"),
    "dashboard.campaigns": ("回访活动进度", "Campaign progress"),
    "dashboard.agents": ("坐席KPI", "Agents' KPIs"),
    "dashboard.received": (
        "收到 {total} · 已结案 {closed} · 重开率 {reopen} · 重复投诉会员 {repeat}",
        "received {total} · closed {closed} · reopened {reopen} · repeat complainers {repeat}",
    ),
    "dashboard.on_time": (
        "首次响应 {first} · 解决 {resolution}",
        "first response {first} · resolution {resolution}",
    ),
    "dashboard.scores": ("{average}（{n} 个评分）", "{average} ({n} scores)"),
    "dashboard.hours": (
        "解决时长（小时）：中位 {median} · P90 {p90}",
        "hours to resolve: median {median} · p90 {p90}",
    ),
    "dashboard.no_campaigns": ("没有进行中的回访活动", "No campaign is running"),
    "column.complaint": ("投诉编号", "Complaint"),
    "column.level": ("升级", "Level"),
    "column.due": ("时限", "Due"),
    "column.campaign": ("活动", "Campaign"),
    "column.tasks": ("任务", "Tasks"),
    "column.open": ("待拨", "Open"),
    "column.done": ("已结束", "Done"),
    "column.today": ("今日/容量", "Today / capacity"),
}

_TWICE = LABELS.keys() & AREA_LABELS.keys()
if _TWICE:
    raise RuntimeError(f"labels defined twice: {sorted(_TWICE)}")
LABELS.update(AREA_LABELS)


# A form's message by its pattern: (the pattern of the use case's English, the label's key).
ERROR_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"^required$", "error.pattern.required"),
        (r"^(?:a date as |give a date as )?YYYY-MM-DD", "error.pattern.date"),
        (r"^a date as YYYY-MM-DD", "error.pattern.date"),
        (r"^at most (?P<n>\d+) characters", "error.pattern.at_most"),
        (r"^a whole number, at least (?P<n>\d+)", "error.pattern.at_least"),
        (r"^one of (?P<values>.+)$", "error.pattern.one_of"),
        (r"^(?:a |must be a )?whole number$", "error.pattern.whole_number"),
        (r"^an amount in yuan", "error.pattern.amount"),
    )
)
# Whole messages the sign-in and the session give, by their words.
SESSION_MESSAGES = {
    "signed out: sign in again": "error.session_expired",
    "the session ended after being idle: sign in again": "error.session_idle",
    "this account is no longer active": "error.account_inactive",
    "wrong username or password": "error.sign_in_refused",
}


class Labels:
    """Looks labels up in the current language; `toggle` switches zh-CN and English."""

    def __init__(self, language: str = "zh-CN") -> None:
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        """The label, its placeholders filled. A value may be member text (a masked name, a
        reason someone typed): old data may still hold a control, so what it fills is made
        terminal-safe, on one line, and so is anything else's str()."""
        zh, en = LABELS[key]
        text = en if self.language == "en" else zh
        if not values:
            return text
        shown = {k: safe_for_terminal(v) if isinstance(v, str) else v for k, v in values.items()}
        return safe_for_terminal(text.format(**shown), multiline=True)

    def key(self, description: str) -> str:
        """A key binding's description in the current language (as written, if not listed)."""
        entry = LABELS.get(f"key.{description}")
        if entry is None:
            return description
        return entry[1] if self.language == "en" else entry[0]

    def value(self, kind: str, code: str | None) -> str:
        """A value the desk shows (a state, a priority, a queue…) in the current language:
        the catalogue's `kind.code`, or the code as it is where there is none."""
        if code is None:
            return "-"
        entry = LABELS.get(f"{kind}.{code}")
        if entry is None:
            return code
        return entry[1] if self.language == "en" else entry[0]

    def error(self, error: BaseException) -> str:
        """A use case's error as the desk shows it: in English its own message; in Chinese the
        catalogue's words for its kind (a refusal, not found…), a form's by its field and the
        pattern of its message. Anything unknown keeps its message."""
        message = str(error)
        if self.language == "en":
            return message
        from workbench.permissions.access import MemberOutOfReach  # the access layer's
        from workbench.permissions.auth import SignInRefused

        if message in SESSION_MESSAGES:
            return self(SESSION_MESSAGES[message])
        if isinstance(error, MemberOutOfReach):
            return self("error.out_of_reach")
        if isinstance(error, SignInRefused):
            return self("error.sign_in_terminal", message=message)
        if isinstance(error, ValidationError):
            return self("error.invalid", field=self._field(error.field), detail=self._detail(error))
        for kind, key in (
            (PermissionDenied, "error.permission_denied"),
            (NotFound, "error.not_found"),
            (DuplicateMember, "error.duplicate_member"),
            (InsufficientPoints, "error.insufficient_points"),
            (LimitExceeded, "error.limit_exceeded"),
            (InvalidState, "error.invalid_state"),
        ):
            if isinstance(error, kind):
                return self(key, message=message)
        incident = re.search(r"logged as (\w+)(?: in (.+?))?\. Try again", message)
        if message.startswith("something went wrong") and incident:
            path = incident.group(2)
            where = self("error.unexpected_where", path=path) if path else ""
            return self(
                "error.unexpected", incident=incident.group(1), where=where, message=message
            )
        return message

    def _field(self, field: str) -> str:
        for key in (f"field.{field}", f"error.field.{field}", f"complaint.{field}"):
            entry = LABELS.get(key)
            if entry is not None:
                return entry[1] if self.language == "en" else entry[0]
        return self("error.invalid_field")

    def _detail(self, error: ValidationError) -> str:
        if isinstance(error, InvalidPhoneNumber):
            return self("error.pattern.phone", message=str(error))
        if isinstance(error, InvalidIdNumber):
            return self("error.pattern.id_number", message=str(error))
        detail = str(error).removeprefix(f"{error.field}: ")
        if re.search(r"[\u3400-\u9fff]", detail):  # a screen's own message: in the catalogue
            return detail
        for pattern, key in ERROR_PATTERNS:
            found = pattern.search(detail)
            if found:
                return self(key, message=detail, **found.groupdict())
        return self("error.pattern.other", message=detail)

    def toggle(self) -> None:
        self.language = "en" if self.language == "zh-CN" else "zh-CN"


def why_no_callback(labels: Labels, nxt: NextCallback | None, zone: tzinfo, now: datetime) -> str:
    """Why no callback can be taken now, and when the next one can (the home screen's Ctrl+N
    and `workbench callbacks next`), from the use case's NextCallback."""
    if nxt is None or nxt.reason == "now":  # a role that takes none, or the last one was taken
        return labels("callback.none_taken" if nxt is not None else "callback.none")
    if nxt.next_at is None:
        return labels("callback.none_empty")
    at = nxt.next_at.astimezone(zone)
    today = now.astimezone(zone).date()
    when = at.strftime("%H:%M") if at.date() == today else at.strftime("%Y-%m-%d %H:%M")
    if nxt.reason == "quiet":
        return labels(
            "callback.none_quiet", start=nxt.calling_start, end=nxt.calling_end, next=when
        )
    return labels("callback.none_later", next=when)
