"""Masking: the documented rules, and the promise that a masked value never contains the value
it hides, for any input (property tests)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.permissions.masking import (
    MASKERS,
    mask_address,
    mask_birthday,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)

TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    st.text(alphabet="*", min_size=1, max_size=6),
    st.text(alphabet="王李张欧阳明小区县市路号", min_size=1, max_size=12),
    st.from_regex(r"\+86 ?1[3-9][0-9]{9}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
    st.emails(),
)


@settings(max_examples=400, deadline=None)
@given(value=TEXT, field=st.sampled_from(sorted(MASKERS)))
def test_a_masked_value_never_contains_the_value(value, field):
    masked = MASKERS[field](value)
    assert masked != value
    assert value not in masked


@pytest.mark.parametrize("field", sorted(MASKERS))
def test_none_stays_none(field):
    assert MASKERS[field](None) is None


@pytest.mark.parametrize(
    "masker, value, expected",
    [
        (mask_name, "王小明", "王**"),
        (mask_name, "欧阳娜娜", "欧阳**"),
        (mask_name, "王", "**"),
        (mask_name, "John Smith", "J*** S****"),
        (mask_phone, "+8613812345678", "138****5678"),
        (mask_id_number, "110101199003151234", "1101**********1234"),
        (mask_email, "wang.xm@163.com", "w***@163.com"),
        (mask_address, "上海市浦东新区张江路100号", "上海市浦东新区****"),
        (mask_address, "广东省深圳市南山区科技园1号", "广东省深圳市南山区****"),
        (mask_birthday, "1990-03-15", "****-03-15"),
    ],
)
def test_documented_rules(masker, value, expected):
    assert masker(value) == expected


def test_short_values_hide_at_least_a_third():
    for value in ("1", "12", "123", "1234567"):
        masked = mask_id_number(value)
        assert masked.count("*") >= max(1, len(value) // 3)
