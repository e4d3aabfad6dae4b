"""Member, complaint and card numbers: formats, the Luhn check digit, and that a validity check
is a plain yes or no for any text."""

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from workbench.members.numbers import (
    NUMBER_SPACE,
    card_no_from_int,
    complaint_no_from_int,
    is_valid_card_no,
    luhn_check_digit,
    member_no_from_int,
    random_card_no,
    random_complaint_no,
    random_member_no,
)


@pytest.mark.parametrize(
    "body, digit",
    [
        ("7992739871", "3"),  # the textbook vector: 79927398713
        ("4992739871", "6"),  # 49927398716
        ("411111111111111", "1"),  # 4111 1111 1111 1111
        ("123456781234567", "0"),
        ("0", "0"),
        ("", "0"),
    ],
)
def test_luhn_known_vectors(body, digit):
    assert luhn_check_digit(body) == digit
    if len(body) >= 7:
        assert is_valid_card_no(body + digit)


@given(st.text(alphabet="0123456789", min_size=7, max_size=18), st.data())
def test_luhn_catches_any_single_wrong_digit(body, data):
    card = body + luhn_check_digit(body)
    assert is_valid_card_no(card)
    position = data.draw(st.integers(0, len(card) - 1))
    wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != card[position]]))
    assert not is_valid_card_no(card[:position] + wrong + card[position + 1 :])


@given(st.text(alphabet="0123456789", min_size=7, max_size=18), st.data())
def test_luhn_catches_swapped_neighbours(body, data):
    card = body + luhn_check_digit(body)
    position = data.draw(st.integers(0, len(card) - 2))
    pair = card[position : position + 2]
    swapped = card[:position] + pair[::-1] + card[position + 2 :]
    if pair[0] != pair[1] and pair not in ("09", "90"):  # the one swap Luhn cannot see
        assert not is_valid_card_no(swapped)


@pytest.mark.parametrize("card_no", ["", "1234567", "7992739871a", "79927398710", "-79927398713"])
def test_invalid_card_numbers(card_no):
    assert not is_valid_card_no(card_no)


@given(st.one_of(st.text(max_size=20), st.text(alphabet="0123456789²³¹٣①", min_size=8)))
@example("12²4567890")  # "²".isdigit() is True, but int("²") fails
def test_is_valid_card_no_answers_yes_or_no_for_any_text(text):
    assert is_valid_card_no(text) in (True, False)


@pytest.mark.parametrize("prefix", ["9", "88", "1234"])
def test_card_numbers_carry_the_prefix_and_a_check_digit(prefix):
    for value in (0, 1, 12345678901, 10**11 - 1):
        card_no = card_no_from_int(prefix, value)
        assert card_no.startswith(prefix)
        assert len(card_no) == len(prefix) + 12
        assert is_valid_card_no(card_no)
    random = random_card_no(prefix)
    assert random.startswith(prefix) and is_valid_card_no(random)


def test_member_and_complaint_numbers():
    assert member_no_from_int(0) == "M200000000"
    assert member_no_from_int(NUMBER_SPACE - 1) == "M799999999"
    assert complaint_no_from_int(42) == "C200000042"
    for _ in range(50):
        assert re.fullmatch(r"M[2-7][0-9]{8}", random_member_no())
        assert re.fullmatch(r"C[2-7][0-9]{8}", random_complaint_no())


@given(st.integers(0, NUMBER_SPACE - 1))
def test_member_numbers_never_start_like_a_mobile(value):
    number = member_no_from_int(value)
    assert re.fullmatch(r"M[2-7][0-9]{8}", number)
    assert member_no_from_int(value) == number
