"""Messages staff send or manage: a template previewed and queued for a member from the profile
(through the outbox and its contact policy)."""

from __future__ import annotations

from workbench.members.models import Staff
from workbench.messaging.desk import DeskMessages, Preview


class MessageDesk:
    def __init__(self, *, messages: DeskMessages) -> None:
        self.messages = messages

    def preview(self, actor: Staff, member_id: int, template: str, channel: str) -> Preview:
        return self.messages.preview(actor, member_id, template, channel)

    def send(self, actor: Staff, member_id: int, template: str, channel: str) -> int:
        """Queues it; the outbox message's id. Refused with the contact policy's reason."""
        return self.messages.send(actor, member_id, template, channel)
