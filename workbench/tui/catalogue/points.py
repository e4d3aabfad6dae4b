"""Labels of points at the member desk: redeem, activity credits, the ledger, adjustments and
the gift catalogue."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # The menus
    "points.menu_redeem": ("积分兑换礼品", "Redeem points"),
    "points.menu_credit": ("活动积分", "Credit activity points"),
    "points.menu_ledger": ("积分明细", "Points ledger"),
    "points.menu_adjust": ("积分调整（主管）", "Adjust points (supervisor)"),
    "points.menu_catalogue": ("礼品目录", "Gift catalogue"),
    # Redeeming
    "points.redeem_title": ("为会员 {member} 兑换（Ctrl+S 兑换）", "Redeem for {member} (Ctrl+S)"),
    "points.redeem_for": (
        "为 {member} 兑换 · 可用积分 {spendable}（Ctrl+S 兑换）",
        "Redeem for {member} · {spendable} points to spend (Ctrl+S)",
    ),
    "points.quantity": ("数量", "Quantity"),
    "points.quantity_whole": ("请输入整数数量", "give a whole number"),
    "points.choose_gift": (
        "选择礼品（代码 · 名称 · 积分 · 库存）",
        "Gift (code · name · points · stock)",
    ),
    "points.gift_needed": ("请选择礼品", "choose a gift"),
    "points.unlimited": ("不限", "unlimited"),
    "points.redeemed": (
        "已兑换 {quantity} × {gift}，扣 {points} 积分 · 余额 {balance}",
        "Redeemed {quantity} × {gift} for {points} points · balance {balance}",
    ),
    "points.voucher_codes": (
        "代金券码（仅显示这一次，请交给会员）：{codes}",
        "Voucher codes (shown this once: hand them to the member): {codes}",
    ),
    "points.redeemed_toast": ("会员 {member} 兑换完成", "Redeemed for {member}"),
    # Activity credits
    "points.credit_title": (
        "为会员 {member} 记活动积分（Ctrl+S 记入）",
        "Activity points for {member} (Ctrl+S credits)",
    ),
    "points.choose_rule": ("选择活动规则", "Activity rule"),
    "points.rule_option": (
        "{label} · {points} 积分 · 每天最多 {daily} 次",
        "{label} · {points} points · at most {daily} a day",
    ),
    "points.rule_needed": ("请选择活动规则", "choose a rule"),
    "points.credited": (
        "已记入 +{points} 积分（{rule}）· 余额 {balance}",
        "Credited +{points} points ({rule}) · balance {balance}",
    ),
    # The ledger
    "points.ledger_title": ("会员 {member} 的积分明细", "Points ledger of {member}"),
    "points.ledger_summary": (
        "{member} · 显示 {shown}/{total} 条 · 余额 {balance} · 现可用 {spendable}（F5 刷新）",
        "{member} · {shown} of {total} lines · balance {balance} · "
        "spendable now {spendable} (F5 reload)",
    ),
    "points.lapsed": (
        "（其中 {points} 已过期，待核销）",
        " ({points} expired, not yet written off)",
    ),
    "points.col.when": ("时间", "When"),
    "points.col.kind": ("类型", "Kind"),
    "points.col.points": ("积分", "Points"),
    "points.col.balance": ("余额", "Balance"),
    "points.col.detail": ("说明", "Detail"),
    "points.col.staff": ("经办", "Staff"),
    "points.col.expires": ("到期", "Expires"),
    "points.kind.purchase": ("消费", "purchase"),
    "points.kind.referral": ("推荐", "referral"),
    "points.kind.activity": ("活动", "activity"),
    "points.kind.redemption": ("兑换", "redemption"),
    "points.kind.expiry": ("过期", "expiry"),
    "points.kind.settlement": ("结清", "settlement"),
    "points.kind.adjustment": ("调整", "adjustment"),
    "points.kind.return": ("退货扣回", "return"),
    "points.lot": ("{points} 积分将于 {when} 到期", "{points} points expire on {when}"),
    "points.no_lots": ("没有将到期的积分", "No points to expire"),
    # Adjusting
    "points.adjust_title": (
        "调整会员 {member} 的积分（Ctrl+S 调整）",
        "Adjust the points of {member} (Ctrl+S)",
    ),
    "points.adjust_points": ("积分（正数增加，负数扣减）", "Points (+ to credit, - to take)"),
    "points.adjust_reason": ("原因（记入明细与审计）", "Reason (kept in the ledger and audit)"),
    "points.adjust_whole": (
        "请输入整数，如 500 或 -500",
        "give a whole number such as 500 or -500",
    ),
    "points.adjust_confirm": (
        "从会员 {member} 扣减 {points} 积分？",
        "Take {points} points from {member}?",
    ),
    "points.adjusted": (
        "已调整 {points} 积分 · 余额 {balance}",
        "Adjusted {points} · balance {balance}",
    ),
    # The catalogue
    "points.catalogue_title": ("礼品目录（F5 刷新）", "Gift catalogue (F5 reload)"),
    "points.gcol.code": ("代码", "Code"),
    "points.gcol.label": ("名称", "Name"),
    "points.gcol.kind": ("类别", "Kind"),
    "points.gcol.points": ("积分", "Points"),
    "points.gcol.stock": ("库存", "Stock"),
    "points.gcol.tier": ("最低等级", "Lowest tier"),
    "points.gcol.daily": ("每日限兑", "A day"),
    "points.gcol.total": ("每人限兑", "Ever"),
    "points.gift_kind.gift": ("礼品", "gift"),
    "points.gift_kind.voucher": ("代金券", "voucher"),
    "points.all_tiers": ("全部", "all"),
    "points.imported": (
        "已导入：新增 {added}，更新 {updated}",
        "Imported: {added} added, {updated} updated",
    ),
    "points.gift_added": ("已添加 {code}", "Added {code}"),
    "points.stock_now": ("{code} 库存现为 {stock}", "{code}: {stock} in stock"),
    "points.stock_title": ("{code} 现有库存 {stock}", "{code}: {stock} in stock"),
    "points.stock_change": ("增加 +N 或减少 -N，回车确认", "+N to add, -N to take; Enter"),
    "points.stock_whole": ("请输入整数，如 +10 或 -2", "give a whole number such as +10 or -2"),
    "points.retire_confirm": (
        "下架 {code}？之后不能再兑换。",
        "Retire {code}? It can no longer be redeemed.",
    ),
    "points.retired": ("{code} 已下架", "{code} retired"),
    "points.add_title": ("新增礼品（Ctrl+S 添加）", "New gift (Ctrl+S adds)"),
    "points.f.code": ("代码，如 umbrella-2026", "Code, e.g. umbrella-2026"),
    "points.f.label_zh": ("中文名称", "Name in Chinese"),
    "points.f.label_en": ("英文名称", "Name in English"),
    "points.f.points": ("所需积分", "Price in points"),
    "points.f.stock": ("库存（留空为不限）", "Stock (empty: unlimited)"),
    "points.f.min_tier": ("最低等级代码（留空为全部）", "Lowest tier code (empty: all)"),
    "points.f.daily_limit": ("每人每日限兑（可留空）", "Per member a day (optional)"),
    "points.f.total_limit": ("每人累计限兑（可留空）", "Per member ever (optional)"),
    "points.whole_number": ("请输入整数", "give a whole number"),
    # Keys
    "key.Redeem points": ("兑换", "Redeem"),
    "key.Credit points": ("记入积分", "Credit points"),
    "key.Adjust points": ("调整积分", "Adjust points"),
    "key.Import gifts": ("导入目录", "Import gifts"),
    "key.Add gift": ("新增礼品", "Add gift"),
    "key.Gift stock": ("调整库存", "Stock"),
    "key.Retire gift": ("下架", "Retire"),
    "points.confirm_redeem": (
        "为会员 {member_no} 兑换 {gift} × {quantity}？积分扣除后不退回。",
        "Redeem {gift} × {quantity} for member {member_no}? Points spent are not given back.",
    ),
    "points.confirm_redeem_submit": ("兑换", "Redeem"),
}
