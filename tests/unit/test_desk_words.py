"""The desk's words (issue 17 item 8): values and the use cases' errors in each language, from
the one catalogue (workbench.tui.labels)."""

import pytest

from workbench.errors import (
    InsufficientPoints,
    InvalidPhoneNumber,
    NotFound,
    PermissionDenied,
    ValidationError,
    WorkbenchError,
)
from workbench.permissions.access import MemberOutOfReach
from workbench.permissions.auth import SessionExpired, SignInRefused
from workbench.tui.labels import Labels


def test_values_in_each_language_and_unknown_codes_as_they_are():
    zh, en = Labels("zh-CN"), Labels("en")
    assert zh.value("complaint_state", "received") == "已受理"
    assert en.value("complaint_state", "received") == "received"
    assert zh.value("queue", "hotline") == "客服热线"
    assert zh.value("role", "store_manager") == "店长"
    assert en.value("role", "store_manager") == "store manager"
    assert zh.value("queue", "night_shift") == "night_shift"  # a queue added in the settings
    assert zh.value("priority", None) == "-"


@pytest.mark.parametrize(
    ("error", "chinese"),
    [
        (ValidationError("description", "required"), "投诉内容：必填"),
        (ValidationError("note", "at most 500 characters"), "备注：最多 500 个字符"),
        (InvalidPhoneNumber(), "手机：不是有效的中国大陆手机号（11 位，13x–19x）"),
        (
            ValidationError("score", "a whole number from 1 (poor) to 5"),
            "满意度：输入不符合要求（a whole number from 1 (poor) to 5）",
        ),
        (ValidationError("quantity", "请输入整数数量"), "数量：请输入整数数量"),
        (MemberOutOfReach("M1"), "您无权查看该会员，或没有该会员"),
        (PermissionDenied("agent1 (agent) may not close"), "您的角色不能执行此操作"),
        (NotFound("no complaint C1"), "未找到相应记录（no complaint C1）"),
        (InsufficientPoints("the balance is 10"), "积分不足（the balance is 10）"),
        (SessionExpired("signed out: sign in again"), "会话已结束，请重新登录"),
        (SignInRefused("wrong username or password"), "用户名或密码错误"),
        (WorkbenchError("something unforeseen"), "something unforeseen"),
    ],
)
def test_errors_in_chinese_and_as_they_are_in_english(error, chinese):
    assert Labels("zh-CN").error(error) == chinese
    assert Labels("en").error(error) == str(error)


def test_an_unexpected_failure_keeps_its_incident_and_log_file():
    message = (
        "something went wrong; it was logged as ab12cd34 in /var/log/wb.log. Try again, and if "
        "it happens again give that id to your administrator."
    )
    shown = Labels("zh-CN").error(WorkbenchError(message))
    assert "ab12cd34" in shown and "/var/log/wb.log" in shown and "出现意外错误" in shown
