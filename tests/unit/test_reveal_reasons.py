"""Reveal reasons (issue 15 item 7): a configured purpose, and a note that says something in
words and holds no personal data, checked with the detector the tests scan with."""

import pytest

import tests.pii
import workbench.masking.pii
from workbench.errors import ValidationError
from workbench.masking.pii import personal_data_in
from workbench.permissions.reasons import DEFAULT_PURPOSES, RevealPurposes

PURPOSES = RevealPurposes(DEFAULT_PURPOSES)


def test_the_tests_scan_with_the_products_detector():
    assert tests.pii.clear_personal_data is workbench.masking.pii.clear_personal_data


@pytest.mark.parametrize("purpose", ["回访", "callback", "Callback", " complaint  follow-up "])
def test_configured_purposes_are_accepted(purpose):
    reason = PURPOSES.reason(purpose)
    assert reason.purpose in DEFAULT_PURPOSES and reason.note == ""
    assert reason.text == reason.purpose


def test_two_chinese_characters_are_a_reason():
    assert PURPOSES.reason("回访").text == "回访"
    assert PURPOSES.reason("callback", "回访").text == "callback: 回访"


@pytest.mark.parametrize("purpose", ["abcd", "....", "", "   ", "call back later"])
def test_anything_but_a_configured_purpose_is_refused(purpose):
    with pytest.raises(ValidationError, match="purpose: choose one of the configured purposes"):
        PURPOSES.reason(purpose)


@pytest.mark.parametrize("note", ["....", "1234", "--- !!!", "？？", "12:30"])
def test_a_note_without_a_word_is_refused(note):
    with pytest.raises(ValidationError, match="note: say in words"):
        PURPOSES.reason("callback", note)


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("caller gave 13800138000", "a phone number"),
        ("号码 138 0013 8000 核对", "a phone number"),
        ("+86 138-0013-8000 asked", "a phone number"),
        ("全角 １３８００１３８０００", "a phone number"),
        ("id 11010519491231002X check", "an ID-card number"),
        ("send to zhang.wei@example.com", "an e-mail address"),
        ("邮箱 zhang＠example.cn", "an e-mail address"),
    ],
)
def test_personal_data_in_the_note_is_refused(note, kind):
    with pytest.raises(ValidationError, match=kind) as refused:
        PURPOSES.reason("callback", note)
    assert "138" not in str(refused.value) and "example" not in str(refused.value)


def test_numbers_that_are_not_personal_data_pass():
    # An order number, a date and an ID-like number whose check character is wrong.
    note = "order 20260302 receipt 110105194912310021 on 2026-03-02"
    assert PURPOSES.reason("complaint follow-up", note).note == note


def test_a_note_is_plain_text_of_bounded_length():
    with pytest.raises(ValidationError, match="note: contains a terminal control"):
        PURPOSES.reason("callback", "ok\x1b[31m red")
    with pytest.raises(ValidationError, match="at most 200"):
        PURPOSES.reason("callback", "字" * 201)
    assert PURPOSES.reason("callback", "  two   spaces ").note == "two spaces"


def test_the_detector_names_kinds_not_values():
    assert personal_data_in("13800138000 and a@b.cn") == ["phone", "email"]
    assert personal_data_in("回访，会员要求") == []


def test_purposes_must_be_configured():
    with pytest.raises(ValueError):
        RevealPurposes([" "])
    assert RevealPurposes(["退货核实", "回访"]).reason("退货核实").purpose == "退货核实"


def test_configured_purposes_are_checked_at_start():
    from workbench.errors import ConfigError
    from workbench.settings import load_settings

    assert load_settings(
        access_reveal_purposes=["回访", " 退货  核实 "]
    ).access_reveal_purposes == [
        "回访",
        "退货 核实",
    ]
    for wrong in ([], [" "], ["回访", "回访"], ["bad\x1b[31m"], ["x" * 61]):
        with pytest.raises(ConfigError, match="reveal_purposes"):
            load_settings(access_reveal_purposes=wrong)


def test_the_hour_a_limit_counts_in():
    from datetime import UTC, datetime

    from workbench.permissions.limits import window_of

    window = window_of(datetime(2026, 3, 2, 9, 59, 59, 999999, tzinfo=UTC))
    assert window.start == datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert window.end == datetime(2026, 3, 2, 10, tzinfo=UTC)
