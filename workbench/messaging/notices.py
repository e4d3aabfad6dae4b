"""Notices the domain sends as things happen, queued in the caller's transaction: to members
(welcome, rejection, frozen card, tier change, complaint news, satisfaction survey) and to staff
(a complaint escalated to them)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from workbench.members.models import Member, Staff
from workbench.messaging.models import Purpose
from workbench.messaging.outbox import Outbox

CHANNELS_BY_NOTICE = {
    "welcome": ("sms", "email"),
    "rejection": ("sms",),
    "card_lost": ("sms", "email"),
    # The card steps: a found card unfrozen or a new number issued is also told by e-mail,
    # like a freeze, so a member who did not ask for it hears of it.
    "card_activated": ("sms",),
    "card_found": ("sms", "email"),
    "card_reissued": ("sms", "email"),
    "card_replaced": ("sms",),
    "tier_change": ("sms", "email"),
    "complaint_update": ("sms",),
    "satisfaction_survey": ("sms",),
    "termination_notice": ("sms", "email"),
    "termination_withdrawn": ("sms",),
}


class Notices:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def __call__(
        self,
        session: Session,
        member: Member,
        notice: str,
        *,
        extra: Mapping[str, object] | None = None,
        complaint_id: int | None = None,
    ) -> int:
        """Queue the notice on each of its channels; returns how many messages were queued."""
        queued = 0
        for channel in CHANNELS_BY_NOTICE[notice]:
            result = self.outbox.enqueue(
                session,
                member=member,
                template=notice,
                channel=channel,
                purpose=Purpose.TRANSACTIONAL,
                extra=extra,
                complaint_id=complaint_id,
            )
            queued += result.message is not None
        return queued


class StaffNotices:
    """E-mails to staff; a staff member without an address gets the TUI notification only."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def __call__(
        self,
        session: Session,
        staff: Staff,
        notice: str,
        *,
        extra: Mapping[str, object],
        dedupe_key: str,
        complaint_id: int | None = None,
    ) -> bool:
        """Queue the e-mail unless the same key was queued before; True if queued now."""
        result = self.outbox.enqueue_to_staff(
            session,
            staff=staff,
            template=notice,
            extra=extra,
            dedupe_key=dedupe_key,
            complaint_id=complaint_id,
        )
        return result.message is not None
