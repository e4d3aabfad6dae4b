"""Labels of the campaigns screen (F2 on the dashboard): the list with each campaign's progress,
the form that creates one, the questions before a pause, a resume or a run, and the words a
refusal of the form is shown in beside its field."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "key.Campaigns": ("回访活动", "Campaigns"),
    "key.New campaign": ("新建活动", "New campaign"),
    "key.Pause campaign": ("暂停活动", "Pause campaign"),
    "key.Resume campaign": ("恢复活动", "Resume campaign"),
    "key.Run campaign": ("生成今日任务", "Run campaign"),
    "key.Save campaign": ("保存活动", "Save campaign"),
    # The list
    "campaigns.title": ("回访活动", "Callback campaigns"),
    "campaigns.count": ("共 {n} 个活动", "{n} campaigns"),
    "campaigns.empty": ("还没有回访活动", "No campaign yet"),
    "campaigns.read_only": (
        "只读：创建、暂停、恢复和运行活动由主管和管理员操作",
        "Read only: supervisors and administrators create, pause, resume and run campaigns",
    ),
    "campaigns.col.from": ("开始", "From"),
    "campaigns.col.to": ("结束", "To"),
    "campaigns.detail": (
        "{name}（{status}）· 会员条件：{segment} · 团队：{team} · 优先级：{priority}",
        "{name} ({status}) · members: {segment} · team: {team} · priority: {priority}",
    ),
    "campaigns.outcomes": ("回访结果：{outcomes}", "Outcomes: {outcomes}"),
    "campaigns.no_outcomes": ("还没有回访结果", "No outcome yet"),
    "campaigns.any_team": ("不限", "any"),
    "campaign_status.active": ("进行中", "active"),
    "campaign_status.paused": ("已暂停", "paused"),
    "campaign_status.finished": ("已结束", "finished"),
    "campaigns.new": ("新建活动", "New campaign"),
    "campaigns.pause": ("暂停", "Pause"),
    "campaigns.resume": ("恢复", "Resume"),
    "campaigns.run": ("生成今日任务", "Make today's tasks"),
    # Asked first (Cancel focused), and what was done
    "campaigns.pause_question": (
        "暂停回访活动「{name}」？暂停期间不再生成新的回访任务。",
        "Pause the campaign {name}? No new task is made while it is paused.",
    ),
    "campaigns.resume_question": (
        "恢复回访活动「{name}」？",
        "Resume the campaign {name}?",
    ),
    "campaigns.run_question": (
        "现在为活动「{name}」生成今天的回访任务（每天最多 {capacity} 个）？",
        "Make today's callback tasks of {name} now (at most {capacity} a day)?",
    ),
    "campaigns.paused": ("活动「{name}」已暂停", "{name} is paused"),
    "campaigns.resumed": ("活动「{name}」已恢复", "{name} is active again"),
    "campaigns.made": ("已生成 {n} 个回访任务", "{n} callback tasks made"),
    "campaigns.making": ("正在生成回访任务……", "Making callback tasks…"),
    "campaigns.progress": (
        "正在生成回访任务：{done}/{total}",
        "Making callback tasks: {done}/{total}",
    ),
    "campaigns.none_chosen": ("请先选择一个活动", "Choose a campaign first"),
    "campaigns.not_active": (
        "活动「{name}」{status}，不能执行此操作",
        "{name} is {status}: it cannot be done",
    ),
    "campaigns.busy": ("正在生成回访任务，请等待完成", "Tasks are being made: wait until it ends"),
    # The form
    "campaigns.form_title": ("新建回访活动", "New callback campaign"),
    "campaigns.form_hint": (
        "Ctrl+S 保存 · Esc 返回。会员条件至少填写一项；同时满足所有条件的会员会被回访。",
        "Ctrl+S saves · Esc goes back. Give at least one member condition: the members who "
        "meet all of them are called.",
    ),
    "campaigns.field.name": ("活动名称", "Name"),
    "campaigns.field.from": ("第一天（YYYY-MM-DD）", "First day (YYYY-MM-DD)"),
    "campaigns.field.to": ("最后一天（YYYY-MM-DD）", "Last day (YYYY-MM-DD)"),
    "campaigns.field.capacity": ("每天最多回访数", "Calls a day at most"),
    "campaigns.field.team": ("团队（可空：不限）", "Team (optional: any)"),
    "campaigns.field.priority": (
        "优先级（整数，越大越先拨打）",
        "Priority (a whole number, higher first)",
    ),
    "campaigns.segment_title": ("会员条件", "Members to call"),
    "campaigns.segment.tier": ("会员等级代码", "Tier code"),
    "campaigns.segment.store": ("门店代码", "Store code"),
    "campaigns.segment.birthday_month": ("生日月份（1–12）", "Birthday month (1–12)"),
    "campaigns.segment.points_expiring_days": (
        "积分在多少天内到期",
        "Points expiring within (days)",
    ),
    "campaigns.segment.no_purchase_days": ("多少天没有消费", "No purchase for (days)"),
    "campaigns.segment.complaint_closed_days": (
        "投诉在多少天内结案",
        "A complaint closed within (days)",
    ),
    "campaigns.save": ("保存", "Save"),
    "campaigns.created": ("已创建回访活动 {id}", "campaign {id} created"),
    # A refusal, beside its field (the use case's message matched by its words)
    "campaigns.error.name": ("请填写活动名称", "Give the campaign a name"),
    "campaigns.error.date": ("请按 YYYY-MM-DD 填写日期", "A date as YYYY-MM-DD"),
    "campaigns.error.range": ("日期应在 {first} 到 {last} 之间", "A day from {first} to {last}"),
    "campaigns.error.ends": ("最后一天不能早于第一天", "The last day may not be before the first"),
    "campaigns.error.capacity": ("每天至少 1 个", "At least 1 call a day"),
    "campaigns.error.whole": ("请填写整数", "A whole number"),
    "campaigns.error.positive": ("请填写正整数", "A positive whole number"),
    "campaigns.error.month": ("月份为 1 到 12", "A month from 1 to 12"),
    "campaigns.error.no_store": ("没有这个门店", "No such store"),
    "campaigns.error.segment": (
        "请至少填写一项会员条件",
        "Give at least one member condition",
    ),
}
