"""Labels of the desk's safety rails: the generated key help (F1), the key descriptions the
bindings use, the callback outcome dialog, the refused screenshot, why no callback can be
taken now, and the forms' confirmations."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # F1: the keys of the current screen, generated from its bindings
    "help.keys_title": ("本页快捷键", "Keys on this screen"),
    "help.none": ("本页没有快捷键", "This screen has no keys of its own"),
    "help.masked": (
        "会员资料默认脱敏显示。授权到期后，会员资料立即从屏幕上消失。",
        "Member data is masked by default. When a grant ends, the member's data leaves the "
        "screen at once.",
    ),
    "help.palette": (
        "Ctrl+P 命令面板：按名称查找本页的操作",
        "Ctrl+P command palette: find an action by name",
    ),
    # Key descriptions (the bindings' English descriptions, in each language)
    "key.Record outcome": ("记录回访结果", "Record outcome"),
    # The screenshot is refused: it would be an unaudited copy of member data
    "screenshot.refused": (
        "已禁用截屏：屏幕上的会员资料不能未经审计地复制",
        "Screenshots are disabled: member data on screen may not be copied unaudited",
    ),
    # Ctrl+N with nothing callable: why, and when the next one can be taken
    "callback.none_quiet": (
        "现在是免打扰时段（拨打时间 {start}–{end}），下一个可拨打时间 {next}",
        "Outside calling hours ({start}–{end}): next window {next}",
    ),
    "callback.none_later": (
        "暂无可拨打的回访；下一个任务 {next} 到期",
        "No callback can be made now: the next one is due {next}",
    ),
    "callback.none_empty": ("没有待回访的任务", "No callback is waiting"),
    "callback.none_taken": (
        "到期的回访已被其他坐席领取或会员要求勿扰",
        "The due callbacks are taken by other agents or cannot be called",
    ),
    # The callback workspace: outcome chosen in a dialog, not by a bare digit
    "callback.keys_safe": (
        "Ctrl+S 记录回访结果 · F5 拨号 · Ctrl+R 显示明文",
        "Ctrl+S record the outcome · F5 dial · Ctrl+R reveal",
    ),
    "callback.later_when": (
        "再次致电时间（HH:MM 今天，或 YYYY-MM-DD HH:MM）",
        "Call again at (HH:MM today, or YYYY-MM-DD HH:MM)",
    ),
    "callback.later_bad": (
        "请填写再次致电的时间：HH:MM 或 YYYY-MM-DD HH:MM",
        "Say when to call again: HH:MM or YYYY-MM-DD HH:MM",
    ),
    "outcome.title": ("记录回访结果", "Record the callback's outcome"),
    "outcome.choose": ("选择结果", "Choose the outcome"),
    "outcome.needed": ("请选择回访结果", "Choose an outcome first"),
    "outcome.submit": ("记录", "Record"),
    "outcome.feedback": ("会员反馈：{feedback}", "Feedback: {feedback}"),
    "outcome.reached": ("已接通", "reached"),
    "outcome.no_answer": ("无人接听", "no answer"),
    "outcome.busy": ("忙线", "busy"),
    "outcome.wrong_number": ("号码错误", "wrong number"),
    "outcome.call_back_later": ("稍后回电", "call back later"),
    "outcome.refused": ("拒绝", "refused"),
    "outcome.do_not_call": ("勿再致电", "do not call"),
    # Complaint steps: the ones without a form are confirmed
    "step.confirm": ("确认对投诉 {no} 执行：{step}？", "{step} for complaint {no}?"),
    "step.none": ("您当前不能对此投诉执行任何步骤", "There is no step you may take now"),
    # Scheduling a callback at a date and a time of day
    "schedule.at": (
        "或指定时间（YYYY-MM-DD HH:MM，可空）",
        "Or at (YYYY-MM-DD HH:MM, optional)",
    ),
    "schedule.at_bad": (
        "时间格式应为 YYYY-MM-DD HH:MM，且不早于现在",
        "Give the time as YYYY-MM-DD HH:MM, not in the past",
    ),
    "schedule.done_at": ("已安排在 {at} 回访", "Callback scheduled for {at}"),
}
