"""The SLA column's text: the time left while a complaint is due, how overdue once it is past
(never a clock stopped at 00:00), in both languages."""

from datetime import UTC, datetime, timedelta

import pytest

from workbench.tui.labels import Labels
from workbench.tui.widgets.complaint_table import due_text, overdue_by

DUE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("past", "zh", "en"),
    [
        (timedelta(hours=3, minutes=20, seconds=59), "超时 3小时20分", "overdue 3h 20m"),
        (timedelta(minutes=7, seconds=5), "超时 7分", "overdue 7m"),
        (timedelta(seconds=42), "超时 42秒", "overdue 42s"),
        (timedelta(days=2, hours=3, minutes=9), "超时 2天3小时", "overdue 2d 3h"),
    ],
)
def test_an_overdue_complaint_says_by_how_much(past, zh, en):
    assert overdue_by(DUE, DUE + past, Labels("zh-CN")) == zh
    assert due_text(DUE, DUE + past, Labels("en")) == en


def test_before_the_due_time_the_time_left_counts_down():
    labels = Labels("en")
    assert due_text(DUE, DUE - timedelta(minutes=12, seconds=5), labels) == "12:05"
    assert due_text(DUE, DUE - timedelta(hours=3, seconds=1), labels) == "3:00:01"
    assert due_text(DUE, DUE, labels) == "00:00"  # the very moment it falls due
    assert due_text(DUE, DUE + timedelta(seconds=1), labels) == "overdue 1s"
