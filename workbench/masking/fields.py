"""Masking of personal fields: pure functions, one per field. A masked value never contains the
full value it hides, whatever the input (short, odd or non-Chinese), and never a character that
would drive a terminal or reorder the text: old data may still hold one, and a mask keeps
characters of the value (a surname, a domain), so each mask works on the value made
terminal-safe first."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import overload

from workbench.masking.text import safe_for_terminal

STAR = "*"
_COMPOUND_SURNAMES = {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "慕容",
    "令狐",
    "公孙",
    "夏侯",
    "尉迟",
    "长孙",
}
_DISTRICT_END = re.compile(r"^.{0,20}?[区县旗]")
_CITY_END = re.compile(r"^.{0,12}市")


def _safe(value: str, masked: str) -> str:
    """Last guard of the promises above (e.g. a value made only of stars). `value` is the
    terminal-safe one: the raw value, if it differs, holds a character no mask can show."""
    masked = safe_for_terminal(masked)
    if value and value in masked:
        return "###" if value in "***" else "***"
    return masked


def _keep_ends(value: str, head: int, tail: int) -> str:
    """Keep `head` first and `tail` last characters, fewer if needed to hide at least a third."""
    n = len(value)
    while head + tail > 0 and n - head - tail < max(1, n // 3):
        if head >= tail and head > 0:
            head -= 1
        else:
            tail -= 1
    return value[:head] + STAR * (n - head - tail) + (value[n - tail :] if tail else "")


def mask_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = safe_for_terminal(value)
    name = value.strip()
    if not name:
        return _safe(value, STAR)
    if name.isascii():  # "John Smith" -> "J*** S****"
        masked = " ".join(part[0] + STAR * max(len(part) - 1, 1) for part in name.split())
        return _safe(value, masked)
    surname_len = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) <= surname_len:
        return _safe(value, STAR * 2)
    return _safe(value, name[:surname_len] + STAR * (len(name) - surname_len))


def mask_phone(value: str | None) -> str | None:
    """+8613812345678 -> 138****5678 (the national number, 3 + 4 kept)."""
    if value is None:
        return None
    value = safe_for_terminal(value)
    digits = value[3:] if value.startswith("+86") else value
    return _safe(value, _keep_ends(digits, 3, 4))


@overload
def mask_id_number(value: str) -> str: ...
@overload
def mask_id_number(value: str | None) -> str | None: ...
def mask_id_number(value: str | None) -> str | None:
    if value is None:
        return None
    value = safe_for_terminal(value)
    return _safe(value, _keep_ends(value, 4, 4))


@overload
def mask_email(value: str) -> str: ...
@overload
def mask_email(value: str | None) -> str | None: ...
def mask_email(value: str | None) -> str | None:
    if value is None:
        return None
    value = safe_for_terminal(value)
    local, at, domain = value.partition("@")
    if not at:
        return _safe(value, _keep_ends(value, 1, 0))
    return _safe(value, f"{local[:1]}***@{domain}")


def mask_address(value: str | None) -> str | None:
    """Keep up to the district (区/县/市), hide the street and number."""
    if value is None:
        return None
    value = safe_for_terminal(value)
    match = _DISTRICT_END.match(value) or _CITY_END.match(value)
    kept = match.group(0) if match else value[:2]
    if len(kept) >= len(value):
        kept = value[: len(value) // 2]
    return _safe(value, kept + STAR * 4)


def mask_birthday(value: str | None) -> str | None:
    """1990-03-15 -> ****-03-15 (month and day kept, for greetings)."""
    if value is None:
        return None
    value = safe_for_terminal(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return _safe(value, "****" + value[4:])
    return _safe(value, STAR * max(len(value), 3))


MASKERS: dict[str, Callable[[str | None], str | None]] = {
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "email": mask_email,
    "address": mask_address,
    "birthday": mask_birthday,
}
