"""Erasing a member from change requests: the values (masked or not) and the free-text reason
go; a request still waiting is closed, since there is nothing left to change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from workbench.crypto import FieldCipher
from workbench.members.models import Member
from workbench.permissions.models import ChangeRequest, ChangeStatus


def erase_member_change_requests(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    session.execute(
        update(ChangeRequest)
        .where(
            col(ChangeRequest.member_id) == member.id,
            col(ChangeRequest.status) == ChangeStatus.PENDING.value,
        )
        .values(
            status=ChangeStatus.REJECTED.value,
            decided_at=now,
            decision_note="member terminated: personal data erased",
        )
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(ChangeRequest)
        .where(col(ChangeRequest.member_id) == member.id)
        .values(old_value_masked=None, new_value_masked=None, new_value_enc=None, reason="")
        .execution_options(synchronize_session="fetch")
    )
