"""Unsubscribe from marketing e-mail. Each e-mail's List-Unsubscribe names its outbox row and a
keyed digest of it, so it cannot be guessed for another member, twice over: a one-click link
(RFC 8058: a POST of `List-Unsubscribe=One-Click`, or a visit answered with a form that posts),
served by the webhook server, and a mailto: (RFC 2369) whose subject carries the row and digest,
which a mail client sends as it is; the mailbox is piped to `workbench outbox unsubscribe-mail`.
Both record the member's e-mail opt-out with the same function, through the same use case."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from email import message_from_bytes
from email.policy import Policy
from email.policy import default as default_policy
from urllib.parse import quote, urlencode

from sqlmodel import Session

from workbench.crypto import BlindIndex
from workbench.members.models import Member
from workbench.messaging.models import OutboxAttempt, OutboxMessage

PATH = "/email/unsubscribe"
MAILBOX = "unsubscribe"  # the local part of the mailto: address, at the sender's domain
# "unsubscribe <row>.<digest>" anywhere in the subject ("Re:", "Fwd:" and the like are fine);
# the digest is base64url, which has no dot.
REQUEST = re.compile(r"\bunsubscribe\s+(\d{1,18})\.([A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])")


class ListUnsubscribe(str):
    """A List-Unsubscribe header value that folds only between its <URI>s. The e-mail policy
    would turn one URI longer than a line (a mailto: with its digest is) into an RFC 2047
    encoded-word, which mail clients do not read as a URI."""

    name = "List-Unsubscribe"
    defects: tuple[()] = ()

    def __new__(cls, *uris: str) -> ListUnsubscribe:
        return super().__new__(cls, ", ".join(f"<{uri}>" for uri in uris))

    def fold(self, *, policy: Policy) -> str:
        linesep = policy.linesep
        return f"{self.name}: {self.replace(', ', ',' + linesep + ' ')}{linesep}"


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

    def mailto(self, message_id: int, domain: str) -> str:
        """This row's mailto: for List-Unsubscribe; a mail client sends its subject unchanged."""
        subject = quote(f"unsubscribe {message_id}.{self.token(message_id)}")
        return f"mailto:{MAILBOX}@{domain}?subject={subject}"

    def valid(self, message_id: int, token: str) -> bool:
        return hmac.compare_digest(self.token(message_id), token)


def record_email_opt_out(session: Session, message_id: int, *, now: datetime) -> bool:
    """The member an e-mail went to opts out of marketing e-mail (by link or by mail alike);
    False if the message has no member (work mail) or is unknown. Doing it twice changes
    nothing."""
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


def unsubscribe_request(raw: bytes) -> tuple[int, str] | None:
    """The row and digest an unsubscribe mail (RFC 5322, as an MTA pipes it) names in its
    subject, or, where a client dropped the subject, in its first lines of plain text; None
    if it names none. Whether they are ours is the use case's to check."""
    mail = message_from_bytes(raw, policy=default_policy)
    found = REQUEST.search(str(mail.get("Subject", "")))
    body = mail.get_body(preferencelist=("plain",)) if found is None else None
    if body is not None:
        try:
            found = REQUEST.search(str(body.get_content())[:4000])
        except (LookupError, ValueError):  # an unknown charset or a broken encoding
            found = None
    return None if found is None else (int(found[1]), found[2])
