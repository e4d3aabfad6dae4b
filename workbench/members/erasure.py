"""Erasure of a member's personal data wherever it is kept (termination, REQUIREMENTS: "erase
personal data as the law requires, keeping only what accounting must keep, anonymised").

The member row is erased by the registry. Other packages keep the member's data too (complaint
texts, callback feedback, change requests, outbox messages, call numbers); each has an eraser,
and bootstrap hands them to the registry, because this package may not import them. Erasers
keep the rows, so ledgers, tickets and reports still add up: nullable personal columns become
NULL, required ones the encrypted ERASED_TEXT marker, blind indexes are cleared.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from workbench.crypto import FieldCipher
from workbench.members.models import Member

ERASED_TEXT = "[erased]"


class Eraser(Protocol):
    def __call__(
        self, session: Session, member: Member, *, cipher: FieldCipher, now: datetime
    ) -> None:
        """Erase `member`'s personal data from this package's tables, in the caller's
        transaction, before the member row itself loses its phone and blind indexes."""
