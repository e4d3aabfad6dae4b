"""E-mail through SMTP with aiosmtplib: STARTTLS or implicit TLS, login from settings, one
connection per batch, multipart text + HTML with Message-ID, Date and List-Unsubscribe."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from workbench.messaging.errors import SendError


@dataclass(frozen=True)
class OutgoingEmail:
    key: int  # the outbox id, so results can be matched
    to: str
    subject: str
    text: str
    html: str | None


def build_message(mail: OutgoingEmail, sender: str, unsubscribe: str) -> EmailMessage:
    message = EmailMessage()
    domain = parseaddr(sender)[1].partition("@")[2] or "localhost"
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.key}", domain=domain)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
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
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.ca_file = ca_file or None  # a company CA that signed the relay's certificate
        self.username, self.password = username, password
        self.sender = sender
        self.timeout = timeout
        self.sender_key = f"smtp:{host}:{port}"
        domain = parseaddr(sender)[1].partition("@")[2] or "localhost"
        self.unsubscribe = f"mailto:unsubscribe@{domain}?subject=unsubscribe"

    def send_batch(self, mails: list[OutgoingEmail]) -> dict[int, SendError | None]:
        """Send over one connection; each mail's result (None when accepted)."""
        return asyncio.run(self._send_batch(mails))

    async def _send_batch(self, mails: list[OutgoingEmail]) -> dict[int, SendError | None]:
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
            return {
                m.key: SendError(f"SMTP login refused: {error.code}", permanent=False)
                for m in mails
            }
        except (aiosmtplib.SMTPException, OSError) as error:
            # The server's own words help the operator (no member data is sent before this).
            reason = f"{type(error).__name__}: {str(error)[:120]}"
            return {
                m.key: SendError(f"SMTP server unreachable or refused: {reason}") for m in mails
            }
        try:
            for mail in mails:
                results[mail.key] = await self._send_one(client, mail)
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
        return results

    async def _send_one(self, client: aiosmtplib.SMTP, mail: OutgoingEmail) -> SendError | None:
        message = build_message(mail, self.sender, self.unsubscribe)
        try:
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [r.code for r in error.recipients]
            permanent = all(500 <= code < 600 for code in codes)
            return SendError(f"recipient refused ({codes})", permanent=permanent)
        except aiosmtplib.SMTPResponseException as error:
            return SendError(f"SMTP {error.code}", permanent=500 <= error.code < 600)
        except aiosmtplib.SMTPServerDisconnected:
            return SendError("the SMTP server hung up", ambiguous=True)
        except (aiosmtplib.SMTPException, OSError) as error:
            return SendError(f"SMTP error: {type(error).__name__}")
        return None
