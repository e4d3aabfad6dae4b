"""Masking: the documented rules, and the promise that a masked value never contains the value
it hides, whatever the input (property tests over short, odd and non-Chinese text)."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workbench.masking.fields import (
    MASKERS,
    mask_address,
    mask_birthday,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)

ANY_TEXT = st.one_of(
    st.text(min_size=1, max_size=40),  # anything, emoji and control characters included
    st.text(min_size=1, max_size=3),  # the short values where keeping ends could show it all
    st.text(alphabet="*", min_size=1, max_size=8),  # values made only of the mask character
    st.text(alphabet="*#@-. ", min_size=1, max_size=8),
    st.text(alphabet="王李张欧阳司马明小娜区县市旗路号*", min_size=1, max_size=12),
    st.text(alphabet="😀👍🏻🇨🇳é", min_size=1, max_size=6),
    st.from_regex(r"[A-Z][a-z]{0,8}( [A-Z][a-z]{0,8}){0,2}", fullmatch=True),  # Latin names
    st.text(alphabet="0123456789", min_size=1, max_size=20),  # digits
    st.from_regex(r"(\+86)?1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.emails(),
)


@settings(max_examples=500, deadline=None)
@given(value=ANY_TEXT, field=st.sampled_from(sorted(MASKERS)))
@example(value="*", field="name")
@example(value="***", field="address")
@example(value="a", field="email")
@example(value="@", field="email")
@example(value="+86", field="phone")
@example(value="王", field="name")
@example(value="欧阳", field="name")
@example(value="😀", field="birthday")
def test_a_masked_value_never_contains_the_value(value, field):
    masked = MASKERS[field](value)
    assert isinstance(masked, str)
    assert masked != value
    assert value not in masked


@pytest.mark.parametrize("field", sorted(MASKERS))
def test_none_stays_none(field):
    assert MASKERS[field](None) is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("王小明", "王**"),
        ("李雷", "李*"),
        ("欧阳娜娜", "欧阳**"),  # a compound surname is kept whole
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),  # two characters: the second is the given name
        ("王", "**"),
        ("John Smith", "J*** S****"),
    ],
)
def test_name_keeps_the_surname(value, expected):
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("+8613812345678", "138****5678"), ("13812345678", "138****5678")],
)
def test_phone_keeps_three_and_four_digits_of_the_national_number(value, expected):
    assert mask_phone(value) == expected


def test_id_number_keeps_four_and_four():
    masked = mask_id_number("11010119900307123X")
    assert masked == "1101" + "*" * 10 + "123X"
    assert len(masked) == 18


@pytest.mark.parametrize(
    "value, expected",
    [("wang.xm@163.com", "w***@163.com"), ("Li@example.com.cn", "L***@example.com.cn")],
)
def test_email_keeps_the_first_letter_and_the_domain(value, expected):
    assert mask_email(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("上海市浦东新区张江路100号", "上海市浦东新区****"),
        ("广东省深圳市南山区科技园1号", "广东省深圳市南山区****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
    ],
)
def test_address_keeps_through_the_district(value, expected):
    assert mask_address(value) == expected


def test_birthday_keeps_month_and_day():
    assert mask_birthday("1990-03-15") == "****-03-15"


def test_short_values_hide_at_least_a_third():
    for value in ("1", "12", "123", "1234567", "123456789012"):
        masked = mask_id_number(value)
        assert len(masked) == len(value)
        assert masked.count("*") >= max(1, len(value) // 3)
