"""Pure checks of the identifiers members give: mobile numbers and resident ID-card numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from workbench.errors import InvalidIdNumber, InvalidPhoneNumber, ValidationError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def normalise_phone(raw: str, region: str = "CN", *, mobile_only: bool = True) -> str:
    """E.164 form of a phone number; mainland numbers must be valid mobiles (13x–19x)."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber("a phone number is required")
    if any(c.isalpha() for c in text):  # phonenumbers reads keypad letters as digits
        raise InvalidPhoneNumber("a phone number has digits only")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(f"cannot read {len(text)} characters as a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber()
    if mobile_only and phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidPhoneNumber("a mobile number is needed (SMS goes to it)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def id_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@dataclass(frozen=True)
class IdCard:
    number: str
    birthday: date
    gender: str  # "M" or "F": the 17th digit is odd for men


def parse_id_number(raw: str) -> IdCard:
    """A checked 18-character resident ID-card number with the birthday and gender it encodes."""
    number = (raw or "").strip().upper()
    if not ID_PATTERN.match(number):
        raise InvalidIdNumber("must be 17 digits followed by a digit or X")
    if id_check_char(number[:17]) != number[17]:
        raise InvalidIdNumber("the check character does not match (mistyped digit?)")
    try:
        birthday = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber("digits 7–14 are not a valid birth date") from None
    if birthday.year < 1900:
        raise InvalidIdNumber("the birth year is before 1900")
    gender = "M" if int(number[16]) % 2 else "F"
    return IdCard(number, birthday, gender)


def normalise_email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    email = raw.strip()
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise ValidationError("email", "not an e-mail address (name@domain)")
    local, _, domain = email.partition("@")
    return f"{local}@{domain.lower()}"
