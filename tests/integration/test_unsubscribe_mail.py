"""The mailto: unsubscribe (RFC 2369): an e-mail's List-Unsubscribe carries a mailto: whose subject
names its row and a keyed digest; the mail a client sends there, piped to `workbench outbox
unsubscribe-mail`, records the member's e-mail opt-out as the one-click link does. A forged or
unknown one is refused, the same way, and changes nothing."""

from __future__ import annotations

import io
import smtplib
import sys
from email.message import EmailMessage
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import delete, select

from tests.outbox_sender import dispatcher_settings
from tests.peers.smtp_peer import CountingSmtp
from workbench.bootstrap import build_dispatcher
from workbench.crypto import BlindIndex
from workbench.members.models import Member
from workbench.messaging.models import OutboxAttempt, OutboxMessage
from workbench.messaging.unsubscribe import UnsubscribeLinks, unsubscribe_request


def _client_mail(mailto: str, *, subject_prefix: str = "") -> EmailMessage:
    """What a mail client sends for a mailto: link (RFC 6068): to its address, its subject."""
    link = urlparse(mailto)
    mail = EmailMessage()
    mail["From"] = "member@example.net"
    mail["To"] = link.path
    mail["Subject"] = subject_prefix + parse_qs(link.query)["subject"][0]
    mail.set_content("")
    return mail


def test_the_mailto_names_its_row_and_is_read_back_from_what_a_client_sends(keyring):
    links = UnsubscribeLinks(blind_index=BlindIndex(keyring), public_url="")
    mailto = links.mailto(42, "example.com")
    assert mailto.startswith("mailto:unsubscribe@example.com?subject=")
    assert unsubscribe_request(_client_mail(mailto).as_bytes()) == (42, links.token(42))
    replied = _client_mail(mailto, subject_prefix="Re: ").as_bytes()
    assert unsubscribe_request(replied) == (42, links.token(42))
    # a client that dropped the subject but kept it in the text
    mail = _client_mail(mailto)
    del mail["Subject"]
    mail.set_content(f"please: unsubscribe 42.{links.token(42)}\n")
    assert unsubscribe_request(mail.as_bytes()) == (42, links.token(42))


def test_a_mail_naming_no_row_is_no_request():
    assert unsubscribe_request(b"Subject: unsubscribe\r\n\r\nplease\r\n") is None
    assert unsubscribe_request(b"not a mail at all \xff\xfe") is None


@pytest.fixture
def marketing_mail(wb, world):
    """A marketing e-mail to the member, sent through the SMTP peer; the mail as received."""
    with wb.sessions() as session:
        session.execute(delete(OutboxAttempt))
        session.execute(delete(OutboxMessage))
        member = session.get_one(Member, world.member_id)
        queued = wb.outbox.enqueue(
            session, member=member, template="birthday", channel="email", purpose="marketing"
        )
        session.commit()
        row = queued.message.id
    with CountingSmtp() as smtp:
        settings = dispatcher_settings(
            wb, smtp=smtp, telephony_public_url="https://hotline.example.com"
        )
        sender = build_dispatcher(settings, wb.clock, wb.sessions, wb.outbox, wb.blind_index)
        assert sender.run_once().sent == 1
        [mail] = smtp.received
    return row, mail


def _opted_out(wb, world) -> bool:
    with wb.sessions() as session:
        return session.get_one(Member, world.member_id).email_opt_out


def test_an_unsubscribe_mail_sent_through_smtp_records_the_opt_out(
    wb, world, run_cli, marketing_mail, tmp_path
):
    row, received = marketing_mail
    header = "".join(str(received["List-Unsubscribe"]).split())
    links = UnsubscribeLinks(blind_index=wb.blind_index, public_url="https://hotline.example.com")
    assert header == f"<{links.url(row)}>,<{links.mailto(row, 'example.com')}>"
    mailto = header.split(",")[1].strip("<>")
    # the member's client sends the unsubscribe mail; the mailbox's MTA captures it
    with CountingSmtp() as mailbox:
        with smtplib.SMTP("127.0.0.1", mailbox.port, timeout=10) as client:
            client.send_message(_client_mail(mailto))
        [captured] = mailbox.received
    delivered = tmp_path / "unsubscribe.eml"
    delivered.write_bytes(captured.as_bytes())

    code, out, _ = run_cli("outbox", "unsubscribe-mail", str(delivered))
    assert code == 0 and "unsubscribed" in out
    assert _opted_out(wb, world)
    with wb.sessions() as session:
        attempts = session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.result == "unsubscribed")
        ).all()
    assert [(a.message_id, a.detail) for a in attempts] == [(row, "one-click")]
    # the same mail again changes nothing more
    assert run_cli("outbox", "unsubscribe-mail", str(delivered))[0] == 0
    with wb.sessions() as session:
        assert len(session.scalars(select(OutboxAttempt)).all()) == len(attempts) + 1  # + sent


def test_forged_and_unknown_unsubscribe_mails_are_refused_alike(
    wb, world, run_cli, marketing_mail, monkeypatch
):
    row, _ = marketing_mail
    forged = f"mailto:unsubscribe@example.com?subject=unsubscribe%20{row}.{'A' * 22}"
    unknown = f"mailto:unsubscribe@example.com?subject=unsubscribe%20{row + 999}.{'A' * 22}"
    answers = []
    for mailto in (forged, unknown):
        stdin = io.TextIOWrapper(io.BytesIO(_client_mail(mailto).as_bytes()))
        monkeypatch.setattr(sys, "stdin", stdin)
        code, out, err = run_cli("outbox", "unsubscribe-mail", "-")
        assert code == 2 and out == ""
        answers.append(err)
    assert answers[0] == answers[1] and "refused" in answers[0] and "nothing changed" in answers[0]
    code, _, err = run_cli("outbox", "unsubscribe-mail", "/nonexistent/mail.eml")
    assert code == 2 and "unreadable" in err
    assert not _opted_out(wb, world)
    with wb.sessions() as session:
        assert (
            session.scalars(
                select(OutboxAttempt).where(OutboxAttempt.result == "unsubscribed")
            ).all()
            == []
        )
