"""The help screen: what each key does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from workbench.tui.base import WorkbenchModal

HELP_ZH = """快捷键
  /        查找会员（手机号或卡号，精确匹配）
  Enter    打开选中的授权会员
  r        显示选中字段的明文（需填写原因，记录审计）
  c        为当前会员登记投诉
  Ctrl+N   领取下一个回访任务；1-7 记录回访结果
  Esc      返回
  F5       统计（汇总）；其中 [ ] 或 1-7 切换页签，p 切换期间
  F6       主管看板
  Ctrl+L   切换中文 / English
  Ctrl+O   退出登录
  Ctrl+P   命令面板
  F1       本帮助

会员资料默认脱敏显示。授权到期后，会员资料立即从屏幕上消失。"""

HELP_EN = """Keys
  /        find a member (exact phone or card number)
  Enter    open the selected granted member
  r        reveal the selected field (with a reason, audited)
  c        register a complaint for this member
  Ctrl+N   take the next callback; 1-7 record its outcome
  Esc      back
  F5       statistics; there [ ] or 1-7 tabs, p period
  F6       supervisor dashboard
  Ctrl+L   switch 中文 / English
  Ctrl+O   sign out
  Ctrl+P   command palette
  F1       this help

Member data is masked by default. When a grant ends, the member's data leaves the screen at once."""


class HelpScreen(WorkbenchModal[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        text = HELP_EN if self.app.labels.language == "en" else HELP_ZH
        yield Static(Text(text), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
