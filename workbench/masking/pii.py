"""The one detector of personal data in clear: mainland mobile numbers, checksummed ID-card
numbers and e-mail addresses. Free text staff type (reveal reasons) is checked with it, and the
tests scan databases, logs and backups with it (tests/pii.py imports it), so what the product
refuses and what the tests look for are the same thing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MOBILE = re.compile(rb"(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
ID_CARD = re.compile(
    rb"(?<![0-9])[1-6][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    rb"[0-9]{3}[0-9Xx](?![0-9])"
)
EMAIL = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

# GB 11643: the 18th character is an ISO 7064 MOD 11-2 check over the first 17 digits. (The
# same rule as workbench.members.identity, repeated here: masking sits below members.)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _id_checks(number: str) -> bool:
    total = sum(int(c) * w for c, w in zip(number[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == number[17].upper()


def clear_personal_data(data: bytes, needles: Iterable[str] = (), emails: bool = True) -> list[str]:
    """Everything in `data` that looks like personal data in clear (empty when none), plus
    any of the literal `needles` found in it."""
    found = [m.decode() for m in MOBILE.findall(data)]
    found += [m.decode() for m in ID_CARD.findall(data) if _id_checks(m.decode())]
    if emails:
        found += [m.decode(errors="replace") for m in EMAIL.findall(data)]
    found += [n for n in needles if n.encode() in data]
    return found


def personal_data_in(text: str) -> list[str]:
    """The kinds of personal data (phone, id_number, email) found in `text`, never the values:
    a refusal may name what it found without repeating it. Full-width digits and signs are
    folded to ASCII first (NFKC), so a number typed with a Chinese input method is caught too."""
    data = _folded(text).encode()
    kinds = []
    if MOBILE.search(data):
        kinds.append("phone")
    if any(_id_checks(m.decode()) for m in ID_CARD.findall(data)):
        kinds.append("id_number")
    if EMAIL.search(data):
        kinds.append("email")
    return kinds


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text)
