"""Erasing a member's words from their complaints: the description, plan and step notes become
the erased marker; category, cause, department, times and scores stay for the analysis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from workbench.complaints.models import Complaint, ComplaintEvent
from workbench.crypto import FieldCipher
from workbench.members.erasure import ERASED_TEXT
from workbench.members.models import Member


def erase_member_complaints(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    erased = cipher.encrypt("complaint.text", ERASED_TEXT)
    mine = select(col(Complaint.id)).where(col(Complaint.member_id) == member.id)
    session.execute(
        update(Complaint)
        .where(col(Complaint.member_id) == member.id)
        .values(contact_enc=None, description_enc=erased)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(Complaint)
        .where(col(Complaint.member_id) == member.id, col(Complaint.resolution_enc).is_not(None))
        .values(resolution_enc=erased)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(ComplaintEvent)
        .where(
            col(ComplaintEvent.complaint_id).in_(mine), col(ComplaintEvent.note_enc).is_not(None)
        )
        .values(note_enc=erased)
        .execution_options(synchronize_session="fetch")
    )
