"""E-mail through SMTP with aiosmtplib: STARTTLS or implicit TLS, login from settings, one
connection per batch, multipart text + HTML with Message-ID, Date and List-Unsubscribe (with
RFC 8058 one-click List-Unsubscribe-Post where an https unsubscribe URL is configured).

Each mail's result is handed back the moment its server answers (`after`), and the sender may
veto a mail just before it goes (`before`: its lease lost, or the contact policy says no), so a
sender killed mid-batch leaves every accepted mail recorded. A mail keeps the Message-ID its
outbox row was given, whichever attempt carries it, so a receiving server can de-duplicate."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from workbench.messaging.errors import SendError
from workbench.messaging.unsubscribe import ListUnsubscribe

HARD_BOUNCE = 550


@dataclass(frozen=True)
class OutgoingEmail:
    key: int  # the outbox id, so results can be matched
    to: str
    subject: str
    text: str
    html: str | None
    message_id: str | None = None  # the row's Message-ID (kept across attempts)
    unsubscribe_url: str | None = None  # this row's one-click unsubscribe link


def new_message_id(key: int, sender: str) -> str:
    domain = parseaddr(sender)[1].partition("@")[2] or "localhost"
    return make_msgid(idstring=f"outbox-{key}", domain=domain)


def build_message(mail: OutgoingEmail, sender: str, unsubscribe: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or new_message_id(mail.key, sender)
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = ListUnsubscribe(mail.unsubscribe_url, unsubscribe)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        message["List-Unsubscribe"] = ListUnsubscribe(unsubscribe)
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


class SmtpEmail:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        username: str = "",
        password: str | None = None,
        sender: str,
        timeout: float = 20.0,
        ca_file: str | None = None,
        unsubscribe_mailto: Callable[[int, str], str] | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.ca_file = ca_file or None  # a company CA that signed the relay's certificate
        self.username, self.password = username, password
        self.sender = sender
        self.timeout = timeout
        self.sender_key = f"smtp:{host}:{port}"
        self.domain = parseaddr(sender)[1].partition("@")[2] or "localhost"
        # A row's own mailto: (its subject names the row, so `outbox unsubscribe-mail` can act).
        self.unsubscribe_mailto = unsubscribe_mailto

    def send_batch(
        self,
        mails: list[OutgoingEmail],
        *,
        before: Callable[[OutgoingEmail], bool] = lambda mail: True,
        after: Callable[[int, SendError | None], None] = lambda key, error: None,
    ) -> dict[int, SendError | None]:
        """Send over one connection; each mail's result (None when accepted), also handed to
        `after` as soon as it is known. A mail `before` refuses is skipped (not in the result)."""
        return asyncio.run(self._send_batch(mails, before, after))

    async def _send_batch(
        self,
        mails: list[OutgoingEmail],
        before: Callable[[OutgoingEmail], bool],
        after: Callable[[int, SendError | None], None],
    ) -> dict[int, SendError | None]:
        results: dict[int, SendError | None] = {}
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            cert_bundle=self.ca_file,
        )
        try:
            await client.connect()
            if self.username:
                await client.login(self.username, self.password or "")
        except aiosmtplib.SMTPAuthenticationError as error:
            failure = SendError(f"SMTP login refused: {error.code}", permanent=False)
            return self._all_failed(mails, failure, after)
        except (aiosmtplib.SMTPException, OSError) as error:
            # The server's own words help the operator (no member data is sent before this).
            reason = f"{type(error).__name__}: {str(error)[:120]}"
            failure = SendError(f"SMTP server unreachable or refused: {reason}")
            return self._all_failed(mails, failure, after)
        try:
            for index, mail in enumerate(mails):
                if not client.is_connected:  # it hung up: the rest did not go
                    rest = SendError("the SMTP server closed the connection")
                    results.update(self._all_failed(mails[index:], rest, after))
                    break
                if not before(mail):
                    continue
                results[mail.key] = await self._send_one(client, mail)
                after(mail.key, results[mail.key])
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
        return results

    @staticmethod
    def _all_failed(
        mails: list[OutgoingEmail],
        error: SendError,
        after: Callable[[int, SendError | None], None],
    ) -> dict[int, SendError | None]:
        for mail in mails:
            after(mail.key, error)
        return dict.fromkeys((m.key for m in mails), error)

    async def _send_one(self, client: aiosmtplib.SMTP, mail: OutgoingEmail) -> SendError | None:
        mailto = (
            self.unsubscribe_mailto(mail.key, self.domain)
            if self.unsubscribe_mailto
            else f"mailto:unsubscribe@{self.domain}?subject=unsubscribe"
        )
        message = build_message(mail, self.sender, mailto)
        try:
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [r.code for r in error.recipients]
            permanent = all(500 <= code < 600 for code in codes)
            # A 5xx at RCPT is a hard bounce: the address is marked (code 550 kept for that).
            return SendError(
                f"recipient refused ({codes})",
                permanent=permanent,
                code=HARD_BOUNCE if permanent else None,
            )
        except aiosmtplib.SMTPResponseException as error:
            return SendError(f"SMTP {error.code}", permanent=500 <= error.code < 600)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
            # After DATA the server may have taken it: resent with the same Message-ID.
            return SendError("the SMTP server hung up", ambiguous=True)
        except (aiosmtplib.SMTPException, OSError) as error:
            return SendError(f"SMTP error: {type(error).__name__}")
        return None
