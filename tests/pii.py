"""The project's own check for personal data in clear: mainland mobile numbers, checksummed
ID-card numbers, e-mail addresses, and literal values a test seeded."""

from __future__ import annotations

import re

from workbench.members.identity import id_check_char

MOBILE = re.compile(rb"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
ID_CARD = re.compile(
    rb"(?<![0-9])[1-6][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    rb"[0-9]{3}[0-9Xx](?![0-9])"
)
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def clear_personal_data(data: bytes, needles: list[str] = (), emails: bool = True) -> list[str]:
    """Everything in `data` that looks like personal data in clear (empty when none)."""
    found = [m.decode() for m in MOBILE.findall(data)]
    found += [
        m.decode()
        for m in ID_CARD.findall(data)
        if id_check_char(m.decode()[:17]) == m.decode()[17].upper()
    ]
    if emails:
        found += [m.decode(errors="replace") for m in EMAIL.findall(data)]
    found += [n for n in needles if n.encode() in data]
    return found
