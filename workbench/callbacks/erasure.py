"""Erasing a member from callbacks: what they said (feedback) goes, open tasks are cancelled (a
terminated member is not called again); outcomes and times stay for the agents' figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session, col

from workbench.callbacks.models import OPEN_STATUSES, CallbackAttempt, CallbackTask, TaskStatus
from workbench.crypto import FieldCipher
from workbench.members.models import Member


def erase_member_callbacks(
    session: Session, member: Member, *, cipher: FieldCipher, now: datetime
) -> None:
    tasks = select(col(CallbackTask.id)).where(col(CallbackTask.member_id) == member.id)
    session.execute(
        update(CallbackTask)
        .where(
            col(CallbackTask.member_id) == member.id, col(CallbackTask.status).in_(OPEN_STATUSES)
        )
        .values(
            status=TaskStatus.CANCELLED.value, closed_at=now, claimed_by_id=None, lease_until=None
        )
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(CallbackTask)
        .where(col(CallbackTask.member_id) == member.id)
        .values(feedback_enc=None)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(CallbackAttempt)
        .where(col(CallbackAttempt.task_id).in_(tasks))
        .values(feedback_enc=None)
        .execution_options(synchronize_session="fetch")
    )
