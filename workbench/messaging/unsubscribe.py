"""One-click unsubscribe from marketing e-mail (RFC 8058): each e-mail carries a link naming its
outbox row and a keyed digest of it, so the link cannot be guessed for another member; a POST of
`List-Unsubscribe=One-Click` (or a visit, answered with a form that posts) records the member's
e-mail opt-out. The webhook server serves it; the opt-out itself is a use case."""

from __future__ import annotations

import hmac
from datetime import datetime
from urllib.parse import urlencode

from sqlmodel import Session

from workbench.crypto import BlindIndex
from workbench.members.models import Member
from workbench.messaging.models import OutboxAttempt, OutboxMessage

PATH = "/email/unsubscribe"


class UnsubscribeLinks:
    def __init__(self, *, blind_index: BlindIndex, public_url: str) -> None:
        self.blind_index = blind_index
        self.public_url = public_url.rstrip("/")

    def token(self, message_id: int) -> str:
        return self.blind_index.digest("unsubscribe", str(message_id))

    def url(self, message_id: int) -> str | None:
        """This row's link, or None where no https public URL is configured (RFC 8058 needs
        https): the e-mail then has the mailto: List-Unsubscribe only."""
        if not self.public_url.startswith("https://"):
            return None
        query = urlencode({"m": message_id, "t": self.token(message_id)})
        return f"{self.public_url}{PATH}?{query}"

    def valid(self, message_id: int, token: str) -> bool:
        return hmac.compare_digest(self.token(message_id), token)


def record_email_opt_out(session: Session, message_id: int, *, now: datetime) -> bool:
    """The member an e-mail went to opts out of marketing e-mail; False if the message has no
    member (work mail) or is unknown. Doing it twice changes nothing."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.member_id is None:
        return False
    member = session.get_one(Member, message.member_id)
    if not member.email_opt_out:
        member.email_opt_out = True
        session.add(
            OutboxAttempt(message_id=message_id, at=now, result="unsubscribed", detail="one-click")
        )
    return True
