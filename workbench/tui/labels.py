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
