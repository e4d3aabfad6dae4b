"""Mobile numbers, resident ID-card numbers and e-mail addresses as members give them."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.errors import InvalidIdNumber, InvalidPhoneNumber, ValidationError
from workbench.members.identity import (
    id_check_char,
    normalise_email,
    normalise_phone,
    parse_id_number,
)


def _id(first17: str) -> str:
    """A well-formed ID-card number: 17 digits and their check character."""
    return first17 + id_check_char(first17)


# Phone numbers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+86 138 1234 5678",
        "138-1234-5678",
        " 138 1234 5678 ",
        "+8613812345678",
        "8613812345678",
        "008613812345678",
        "１３８１２３４５６７８",  # full-width digits, as a Chinese input method types them
    ],
)
def test_a_mainland_mobile_becomes_e164(raw):
    assert normalise_phone(raw) == "+8613812345678"


@pytest.mark.parametrize("prefix", ["13", "15", "17", "18", "19"])
def test_mobile_prefixes(prefix):
    number = f"{prefix}812345678"
    assert normalise_phone(number) == f"+86{number}"


@pytest.mark.parametrize(
    "raw",
    [
        "12345678901",  # 12x is not a mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "010-12345678",  # a Beijing landline
        "abcdefghijk",
        "138ABCD5678",  # letters, which a phone keypad would turn into digits
        "",
        "   ",
    ],
)
def test_not_a_mobile_is_refused(raw):
    with pytest.raises(InvalidPhoneNumber) as error:
        normalise_phone(raw)
    assert error.value.field == "phone"
    assert isinstance(error.value, ValidationError)


def test_none_is_refused():
    with pytest.raises(InvalidPhoneNumber, match="required"):
        normalise_phone(None)


def test_a_landline_is_accepted_where_mobiles_are_not_required():
    assert normalise_phone("010-12345678", mobile_only=False) == "+861012345678"


def test_the_error_does_not_repeat_the_number():
    with pytest.raises(InvalidPhoneNumber) as error:
        normalise_phone("12345678901")
    assert "12345678901" not in str(error.value)


def test_a_number_from_another_region():
    assert normalise_phone("+852 5123 4567") == "+85251234567"  # a Hong Kong mobile


# ID-card numbers -------------------------------------------------------------------------------
def test_check_character_known_vector():
    assert id_check_char("11010519491231002") == "X"
    assert parse_id_number("11010519491231002X").birthday == date(1949, 12, 31)


def test_a_valid_number_gives_birthday_and_gender():
    number = _id("11010119900307123")  # 17th digit 3: a man
    card = parse_id_number(number)
    assert card.number == number
    assert card.birthday == date(1990, 3, 7)
    assert card.gender == "M"


@pytest.mark.parametrize("digit, gender", [("0", "F"), ("1", "M"), ("2", "F"), ("9", "M")])
def test_gender_comes_from_the_17th_digit(digit, gender):
    assert parse_id_number(_id("3101151985061212" + digit)).gender == gender


def test_lower_case_x_and_spaces_are_normalised():
    first17 = next(
        f"1101011990030712{d}" for d in "0123456789" if id_check_char(f"1101011990030712{d}") == "X"
    )
    card = parse_id_number(f"  {first17}x ")
    assert card.number == f"{first17}X"


@given(
    st.from_regex(
        r"[1-9][0-9]{5}(19[0-9]{2}|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        fullmatch=True,
    )
)
def test_any_well_formed_number_with_its_check_character_parses(first17):
    card = parse_id_number(_id(first17))
    assert card.birthday == date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))


@given(st.from_regex(r"[1-9][0-9]{5}19[0-9]{2}0[1-9]1[0-9][0-9]{3}", fullmatch=True), st.data())
def test_any_wrong_check_character_is_refused(first17, data):
    right = id_check_char(first17)
    wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != right]))
    with pytest.raises(InvalidIdNumber, match="check character"):
        parse_id_number(first17 + wrong)


@pytest.mark.parametrize(
    "raw, message",
    [
        (_id("11010119900307123")[:-1], "17 digits"),  # 17 characters
        (_id("11010119900307123") + "1", "17 digits"),  # 19 characters
        ("01010119900307123" + id_check_char("01010119900307123"), "17 digits"),  # leading 0
        ("1101011990030712A", "17 digits"),
        ("", "17 digits"),
        (_id("11010119900230123"), "birth date"),  # 30 February
        (_id("11010119901301123"), "birth date"),  # month 13
        (_id("11010119900100123"), "birth date"),  # day 0
        (_id("11010118991231123"), "1900"),
    ],
)
def test_a_bad_id_number_is_refused(raw, message):
    with pytest.raises(InvalidIdNumber, match=message) as error:
        parse_id_number(raw)
    assert error.value.field == "id_number"


def test_a_mistyped_digit_is_caught_by_the_check_character():
    number = _id("11010119900307123")
    mistyped = number[:5] + str((int(number[5]) + 1) % 10) + number[6:]
    with pytest.raises(InvalidIdNumber, match="check character"):
        parse_id_number(mistyped)


# E-mail ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, expected",
    [
        ("wang.xm@163.com", "wang.xm@163.com"),
        ("  Wang.XM@163.COM ", "Wang.XM@163.com"),  # the domain is case-free, the local part not
        ("li+news@mail.example.com.cn", "li+news@mail.example.com.cn"),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "wang",
        "wang@",
        "@163.com",
        "wang@163",
        "wang xm@163.com",
        "a@b@c.com",
        "a@-.",
        "x" * 250 + "@a.cn",
    ],
)
def test_not_an_email_is_refused(raw):
    with pytest.raises(ValidationError) as error:
        normalise_email(raw)
    assert error.value.field == "email"
