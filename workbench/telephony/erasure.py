"""Erasing a member from the call log: the numbers of their calls become the erased marker and
the blind index of their phone and the agents' wrap-up notes go, also on calls from their number that were not linked to
them. Times, queues, agents and durations stay for the hotline figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col

from workbench.crypto import FieldCipher
from workbench.members.erasure import ERASED_TEXT
from workbench.members.models import Member
from workbench.telephony.models import Call


def erase_member_calls(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    theirs = [col(Call.member_id) == member.id]
    if member.phone_bidx is not None:  # still set: the member row is erased after this
        theirs.append(col(Call.party_bidx) == member.phone_bidx)
    session.execute(
        update(Call)
        .where(or_(*theirs))
        .values(
            from_enc=cipher.encrypt("call.from", ERASED_TEXT),
            to_enc=cipher.encrypt("call.to", ERASED_TEXT),
            party_bidx=None,
            wrap_note_enc=None,  # the agent's wrap-up note may quote the member
        )
        .execution_options(synchronize_session="fetch")
    )
