"""Replies members send by SMS: opt-out and opt-in words, and a 1–5 score answering a
satisfaction survey. The telephony server's webhook calls `handle_inbound_sms`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.db.ids import saved_id
from workbench.errors import InvalidPhoneNumber
from workbench.members.consent import ConsentKind, ConsentMethod, record_consent
from workbench.messaging.models import OutboxMessage

if TYPE_CHECKING:
    from workbench.complaints.service import ComplaintService
    from workbench.members.registry import MemberRegistry

# Twilio's default opt-out and opt-in words, and the Chinese ones members use.
OPT_OUT = {
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
    "退订",
    "TD",
    "T",
}
OPT_IN = {"START", "UNSTOP", "订阅"}


@dataclass(frozen=True)
class InboundResult:
    action: str  # opted_out, opted_in, satisfaction, unknown_sender, ignored
    complaint_no: str | None = None


class ReplyServices(Protocol):
    """What a reply needs: the registry finds its sender, the complaints take a score."""

    @property
    def registry(self) -> MemberRegistry: ...

    @property
    def complaints(self) -> ComplaintService: ...


def handle_inbound_sms(
    wb: ReplyServices, session: Session, *, from_number: str, body: str
) -> InboundResult:
    try:
        member = wb.registry.find_by_phone(session, from_number)
    except InvalidPhoneNumber:
        member = None
    if member is None:
        return InboundResult("unknown_sender")
    word = (body or "").strip().upper().rstrip("。.!！")
    if word in OPT_OUT or word in OPT_IN:
        # A consent record like any other (members/consent.py), which sets the flag.
        record_consent(
            session,
            member,
            kind=ConsentKind.SMS,
            given=word in OPT_IN,
            method=ConsentMethod.SMS_REPLY,
            staff_id=None,
            now=wb.registry.clock.now(),
        )
        return InboundResult("opted_in" if word in OPT_IN else "opted_out")
    if word in {"1", "2", "3", "4", "5"}:
        return _satisfaction(wb, session, saved_id(member), int(word))
    return InboundResult("ignored")


def _satisfaction(wb: ReplyServices, session: Session, member_id: int, score: int) -> InboundResult:
    """The score answers the latest survey sent to this member, if its complaint awaits one."""
    from workbench.complaints.states import State

    survey = session.scalar(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.member_id) == member_id,
            col(OutboxMessage.template) == "satisfaction_survey",
            col(OutboxMessage.complaint_id).is_not(None),
        )
        .order_by(col(OutboxMessage.created_at).desc(), col(OutboxMessage.id).desc())
        .limit(1)
    )
    if survey is None:
        return InboundResult("ignored")
    from workbench.complaints.models import Complaint

    complaint = session.get(Complaint, survey.complaint_id)
    if complaint is None or complaint.state != State.MEMBER_INFORMED.value:
        return InboundResult("ignored")
    wb.complaints.record_satisfaction(
        session, complaint_no=complaint.complaint_no, score=score, actor=None, note="SMS reply"
    )
    return InboundResult("satisfaction", complaint.complaint_no)
