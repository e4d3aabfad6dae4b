"""Labels of the idle lock (workbench.tui.idle)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "sign_in.idle_locked": (
        "长时间未操作，工作台已锁定：请重新登录",
        "The desk locked after being idle: sign in again",
    ),
}
