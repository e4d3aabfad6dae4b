"""A complaint's story beyond its own steps: the calls, messages and callback tasks that belong
to it, as the complaint screen and `complaints show` list them. The records live in other
packages (telephony is an edge this package may not import), so their sources are handed in by
bootstrap; a record linked by hand whose source cannot find it is still listed, bare."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session


@dataclass(frozen=True)
class LinkedRecord:
    kind: str  # call, message, callback
    ref: str  # the call's SID, the message's or the task's id
    at: datetime
    summary: str = ""  # what it is, in codes: never personal data


# (session, complaint id, refs linked to it by hand) -> the records of one kind: those that
# carry the complaint's id, and those linked by hand.
LinkSource = Callable[[Session, int, set[str]], list[LinkedRecord]]
