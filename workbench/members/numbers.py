"""Member and card numbers: random (so they reveal no counts) with a Luhn check digit on cards."""

from __future__ import annotations

import secrets


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these become the odd positions once the digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def is_valid_card_no(card_no: str) -> bool:
    # isascii: str.isdigit() accepts "²" and "٣", which int() cannot read
    return (
        card_no.isascii()
        and card_no.isdigit()
        and len(card_no) >= 8
        and luhn_check_digit(card_no[:-1]) == card_no[-1]
    )


# Member and complaint numbers start with a digit from 2 to 7: a number starting 1 or 86 could,
# packed next to a date in a database page, read as a mobile number to a personal-data scanner.
NUMBER_SPACE = 6 * 10**8


def member_no_from_int(value: int) -> str:
    """M + 9 digits; `value` is drawn from range(NUMBER_SPACE)."""
    return f"M{2 * 10**8 + value:09d}"


def complaint_no_from_int(value: int) -> str:
    return f"C{2 * 10**8 + value:09d}"


def card_no_from_int(prefix: str, value: int) -> str:
    """prefix + 11 digits + Luhn digit; `value` is drawn from range(10**11)."""
    body = f"{prefix}{value:011d}"
    return body + luhn_check_digit(body)


def random_member_no() -> str:
    return member_no_from_int(secrets.randbelow(NUMBER_SPACE))


def random_complaint_no() -> str:
    return complaint_no_from_int(secrets.randbelow(NUMBER_SPACE))


def random_card_no(prefix: str) -> str:
    return card_no_from_int(prefix, secrets.randbelow(10**11))
