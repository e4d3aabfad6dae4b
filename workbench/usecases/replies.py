"""What members' phones tell us through Twilio's messaging webhooks: a reply by SMS (opt-out and
opt-in words, a satisfaction score) and the delivery status of a message we sent. The webhook
server calls these; each is one transaction, and a repeated webhook changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.activities.rules import satisfaction_reply, signup_code
from workbench.clock import Clock
from workbench.complaints.service import ComplaintService
from workbench.members.registry import MemberRegistry
from workbench.messaging.callbacks import apply_status_callback
from workbench.messaging.inbound import InboundResult, handle_inbound_sms
from workbench.messaging.unsubscribe import UnsubscribeLinks, record_email_opt_out
from workbench.usecases.activities import ActivityDesk, activity_desk, find_sender
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
        unsubscribe: UnsubscribeLinks | None = None,
        activities: ActivityDesk | None = None,
    ) -> None:
        self.uow = uow
        self.activities = activities  # a reply naming an activity's code signs up or scores
        self.unsubscribe = unsubscribe
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
            code = signup_code(body)
            scored = None if code else satisfaction_reply(body)
            member = find_sender(self.registry, session, from_number) if code or scored else None
            if code and member is not None and self.activities is not None:
                done = self.activities.reply(session, member, code)
                if done is not None:
                    return InboundResult(done.action)
            if scored and member is not None and self.activities is not None:
                done = self.activities.reply_score(session, member, *scored)
                if done is not None:
                    return InboundResult(done.action)
            return handle_inbound_sms(self, session, from_number=from_number, body=body)

    def sms_status(self, message_sid: str, status: str, token: str | None = None) -> bool:
        """Twilio's status callback for a message we sent (one immediate transaction, so it
        waits its turn beside a running sender): kept once per idempotency token; True when
        applied now, False for a repeat or one that waits for its SID to be recorded."""
        with self.uow.write() as session:
            return apply_status_callback(
                session, provider_id=message_sid, status=status, at=self.clock.now(), token=token
            )

    def email_unsubscribe(self, message_id: int, token: str) -> bool:
        """A one-click unsubscribe (RFC 8058) from the link in an e-mail: the member opts out of
        marketing e-mail. False for a link that is not ours (no such row, a wrong digest)."""
        if self.unsubscribe is None or not self.unsubscribe.valid(message_id, token):
            return False
        with self.uow.write() as session:
            return record_email_opt_out(session, message_id, now=self.clock.now())


def reply_desk(s: Services, uow: UnitOfWork) -> ReplyDesk:
    return ReplyDesk(
        uow=uow,
        clock=s.clock,
        registry=s.registry,
        complaints=s.complaints,
        unsubscribe=UnsubscribeLinks(
            blind_index=s.blind_index, public_url=s.settings.telephony_public_url
        ),
        activities=activity_desk(s, uow),
    )
