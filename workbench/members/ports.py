"""What the member registry and the packages above it need from the outside, as ports: the
implementations (the messaging outbox, the other packages' erasers) depend on this package, so
bootstrap hands them in when it builds the services."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel import Session

from workbench.members.models import Member, Staff


class MemberNotices(Protocol):
    """Queues a notice to a member (welcome, rejection, frozen card, tier change, complaint
    news, survey) in the caller's transaction; returns how many messages were queued."""

    def __call__(
        self,
        session: Session,
        member: Member,
        notice: str,
        *,
        extra: dict[str, Any] | None = None,
        complaint_id: int | None = None,
    ) -> int: ...


class StaffNotices(Protocol):
    """Queues an e-mail to a staff member (an escalation); False where none could be queued."""

    def __call__(
        self,
        session: Session,
        staff: Staff,
        notice: str,
        *,
        extra: dict[str, Any],
        dedupe_key: str,
        complaint_id: int | None = None,
    ) -> bool: ...
