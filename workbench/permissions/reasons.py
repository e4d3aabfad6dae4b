"""Why a field is revealed: a purpose chosen from the configured list, and an optional note.

The rule, and why:
- the purpose is required and must be one of the configured ones (e.g. callback, complaint
  follow-up, identity check, 回访). A chosen purpose is what an auditor can count and compare;
  free text alone let `abcd` and `....` pass while the real two-character reason 回访 failed a
  length check;
- the note is optional; when given it must hold at least one word (a letter of any script or a
  CJK character: `....` or `1234` say nothing), no control characters, at most 200 characters,
  and no personal data (a phone number, an ID-card number or an e-mail address, found with
  workbench.masking.pii, the detector the tests scan with): a reason is stored and audited in
  clear, so it must never carry the data it reveals.
Pure rules, no I/O.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.errors import ValidationError
from workbench.masking.pii import personal_data_in
from workbench.masking.text import refuse_unsafe

DEFAULT_PURPOSES = ("callback", "complaint follow-up", "identity check", "回访")
NOTE_MAX = 200
KIND_WORDS = {
    "phone": "a phone number",
    "id_number": "an ID-card number",
    "email": "an e-mail address",
}


@dataclass(frozen=True)
class RevealReason:
    purpose: str
    note: str = ""

    @property
    def text(self) -> str:
        """As stored on the reveal and in the audit entry."""
        return f"{self.purpose}: {self.note}" if self.note else self.purpose


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def has_a_word(text: str) -> bool:
    """Some letter of any script (Latin, CJK, …): isalpha() is true for 回 as for a."""
    return any(char.isalpha() for char in text)


class RevealPurposes:
    """The configured purposes and the rule above."""

    def __init__(self, purposes: Iterable[str] = DEFAULT_PURPOSES) -> None:
        self.purposes = tuple(" ".join(p.split()) for p in purposes if p.strip())
        if not self.purposes:
            raise ValueError("at least one reveal purpose must be configured")
        self._by_key = {_key(p): p for p in self.purposes}

    def reason(self, purpose: str, note: str = "") -> RevealReason:
        """The checked reason, or a ValidationError saying what to change."""
        chosen = self._by_key.get(_key(refuse_unsafe(purpose or "", "purpose")))
        if chosen is None:
            raise ValidationError(
                "purpose", "choose one of the configured purposes: " + ", ".join(self.purposes)
            )
        note = " ".join(refuse_unsafe(note or "", "note").split())
        if not note:
            return RevealReason(chosen)
        if len(note) > NOTE_MAX:
            raise ValidationError("note", f"at most {NOTE_MAX} characters")
        if not has_a_word(note):
            raise ValidationError(
                "note", "say in words why the field is needed, or leave the note empty"
            )
        found = personal_data_in(note)
        if found:
            kinds = " and ".join(KIND_WORDS[kind] for kind in found)
            raise ValidationError(
                "note",
                f"looks like it holds {kinds}: a reason is stored in clear, so write it "
                "without personal data",
            )
        return RevealReason(chosen, note)
