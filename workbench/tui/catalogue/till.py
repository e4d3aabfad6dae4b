"""Labels of the till: purchases and returns at a store."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "till.menu": ("收银：消费与退货", "Till: purchases and returns"),
    "till.title": (
        "收银（Ctrl+S 记录，F2 消费，F4 退货）",
        "Till (Ctrl+S records, F2 purchase, F4 return)",
    ),
    "till.title_at": (
        "收银 · 门店 {store}（Ctrl+S 记录，F2 消费，F4 退货）",
        "Till at {store} (Ctrl+S records, F2 purchase, F4 return)",
    ),
    "till.store": ("门店", "Store"),
    "till.tab_purchase": ("消费", "Purchase"),
    "till.tab_return": ("退货/取消", "Return / cancel"),
    "till.member": ("会员卡号或会员号", "Card or member number"),
    "till.amount": ("金额（元），如 128.50", "Amount in yuan, e.g. 128.50"),
    "till.receipt": ("小票号", "Receipt number"),
    "till.return_receipt": (
        "原小票号（或 Odoo 订单 odoo:模型:编号）",
        "Receipt number (or an Odoo order odoo:<model>:<id>)",
    ),
    "till.return_amount": ("退货金额（元）", "Amount returned in yuan"),
    "till.return_ref": ("退货单号", "Return slip number"),
    "till.purchase_done": (
        "已记录：{member} · 小票 {receipt}（{store}）· {amount} 元 · +{points} 积分 · 余额 {balance}",
        "Recorded: {member} · receipt {receipt} ({store}) · {amount} yuan · "
        "+{points} points · balance {balance}",
    ),
    "till.purchase_repeated": (
        "此小票已记录过：{member} · 小票 {receipt}（{store}）· {amount} 元 · "
        "+{points} 积分 · 余额 {balance}",
        "Already recorded: {member} · receipt {receipt} ({store}) · {amount} yuan · "
        "+{points} points · balance {balance}",
    ),
    "till.return_done": (
        "已退货：{member} · 退货单 {ref} · 小票 {receipt} · {amount} 元（已退 {returned}/{total}）"
        " · 扣回 {points} 积分 · 余额 {balance}",
        "Returned: {member} · return {ref} · receipt {receipt} · {amount} yuan "
        "({returned} of {total} returned) · {points} points taken back · balance {balance}",
    ),
    "till.return_repeated": (
        "此退货单已记录过：{member} · 退货单 {ref} · 小票 {receipt} · {amount} 元"
        "（已退 {returned}/{total}）· 扣回 {points} 积分 · 余额 {balance}",
        "Already recorded: {member} · return {ref} · receipt {receipt} · {amount} yuan "
        "({returned} of {total} returned) · {points} points taken back · balance {balance}",
    ),
    "till.shortfall": (
        " · {points} 积分已被使用，无法扣回（已记录）",
        " · {points} points already spent, not taken back (recorded)",
    ),
    "key.Record at till": ("记录", "Record"),
    "key.Till sale": ("消费", "Purchase"),
    "key.Till return": ("退货", "Return"),
}
