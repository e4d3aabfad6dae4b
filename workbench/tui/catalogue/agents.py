"""Labels of agent states and the wrap-up dialog."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "agent_state.available": ("空闲", "available"),
    "agent_state.on_call": ("通话中", "on a call"),
    "agent_state.wrap_up": ("话后处理", "wrap-up"),
    "agent_state.break": ("小休", "on a break"),
    "agent_state.offline": ("离线", "offline"),
    "agent_state.line": ("坐席状态：{state} {timer}", "Agent state: {state} {timer}"),
    "agent_state.overdue": ("（话后处理超时）", " (wrap-up overdue)"),
    "key.Change state": ("切换状态", "Change state"),
    "key.Later": ("稍后", "Later"),
    "action.agent_state": ("切换坐席状态", "Change agent state"),
    "action.later": ("稍后话后处理", "Wrap up later"),
    "wrap_up.title": ("话后处理：通话 {call_id}", "Wrap-up: call {call_id}"),
    "wrap_up.disposition": ("处理结果", "Disposition"),
    "wrap_up.note": ("备注（必填）", "Note (required)"),
    "wrap_up.submit": ("提交", "Submit"),
    "wrap_up.later": ("稍后", "Later"),
    "wrap_up.done": ("已完成话后处理，状态：空闲", "Wrap-up done: you are available"),
    "disposition.resolved": ("已解决", "resolved"),
    "disposition.complaint_opened": ("已建投诉", "complaint opened"),
    "disposition.callback_scheduled": ("已约回电", "callback scheduled"),
    "disposition.information": ("咨询信息", "information"),
    "disposition.transferred": ("已转接", "transferred"),
    "disposition.other": ("其他", "other"),
}
