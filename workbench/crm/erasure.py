"""The sync's part of a member's termination (an eraser, see members/erasure.py): the sync
tables hold no personal data, but an open "archived in Odoo" issue asked whether the member
leaves; they have left, so it is resolved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from workbench.crm.models import SyncIssue
from workbench.crypto import FieldCipher
from workbench.members.models import Member


def erase_member_sync_issues(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    session.execute(
        update(SyncIssue)
        .where(
            col(SyncIssue.member_id) == member.id,
            col(SyncIssue.kind) == "archived",
            col(SyncIssue.closed_at).is_(None),
        )
        .values(closed_at=now, closing="resolved")
        .execution_options(synchronize_session="fetch")
    )
