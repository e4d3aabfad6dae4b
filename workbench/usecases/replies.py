"""What members' phones tell us through Twilio's messaging webhooks: a reply by SMS (opt-out and
opt-in words, a satisfaction score) and the delivery status of a message we sent. The webhook
server calls these; each is one transaction, and a repeated webhook changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.clock import Clock
from workbench.complaints.service import ComplaintService
from workbench.members.registry import MemberRegistry
from workbench.messaging.dispatcher import apply_status_callback
from workbench.messaging.inbound import InboundResult, handle_inbound_sms
from workbench.usecases.base import UnitOfWork

if TYPE_CHECKING:
    from workbench.bootstrap import Services

REPEATED = InboundResult("repeated")  # Twilio posted this message before: answered already


class ReplyDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        registry: MemberRegistry,
        complaints: ComplaintService,
    ) -> None:
        self.uow = uow
        self.clock = clock
        # handle_inbound_sms reads these two from what it is given
        self.registry = registry
        self.complaints = complaints

    def sms_received(self, message_sid: str, from_number: str, body: str) -> InboundResult:
        """Applies the reply (a receipt keyed by the message's SID first, so a retried webhook
        applies nothing twice); what it did, or REPEATED."""
        from workbench.telephony.hotline import first_time  # loads twilio: webhook server only

        with self.uow.write() as session:
            if not first_time(session, f"sms:{message_sid}", self.clock):
                return REPEATED
            return handle_inbound_sms(self, session, from_number=from_number, body=body)

    def sms_status(self, message_sid: str, status: str) -> bool:
        """Twilio's status callback for a message we sent; False for a message we do not know."""
        with self.uow.write() as session:
            return apply_status_callback(
                session, provider_id=message_sid, status=status, at=self.clock.now()
            )


def reply_desk(s: Services, uow: UnitOfWork) -> ReplyDesk:
    return ReplyDesk(uow=uow, clock=s.clock, registry=s.registry, complaints=s.complaints)
