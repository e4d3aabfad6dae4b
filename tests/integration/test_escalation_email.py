"""Escalations reach staff by e-mail as well as in the TUI: queued in the sweep's transaction,
once per rung and person however often the sweep runs, and delivered by the outbox's sender
through a real SMTP server. The e-mail names the complaint, never the member."""

import email
import logging
from email.header import decode_header, make_header

import pytest
from sqlalchemy import delete, select

from tests.integration.test_messaging import _dispatcher
from workbench.complaints.escalation import sweep
from workbench.complaints.models import Notification
from workbench.complaints.service import ComplaintIntake
from workbench.errors import ValidationError
from workbench.members.models import Staff
from workbench.messaging.models import OutboxMessage


@pytest.fixture
def addresses(wb, world):
    """The handler and the supervisor have an e-mail address; the head of finance has none."""
    admin = world.staff["admin"]
    with wb.sessions() as session:
        wb.staff.set_email(session, actor=admin, username="agent", email="agent@example.com")
        wb.staff.set_email(session, actor=admin, username="supervisor", email="Sup@Example.COM")
        session.get(Staff, world.staff["dept_head"].id).team = "finance"
        session.execute(delete(OutboxMessage))  # the world member's welcome
        session.commit()


def _complaint(wb, world):
    with wb.sessions() as session:
        complaint = wb.complaints.open(
            session,
            intake=ComplaintIntake(
                channel="hotline",
                category="billing",
                priority="urgent",
                description="重复扣费两次",
                member_no=world.member_no,
            ),
            actor=world.staff["agent"],
        )
        wb.complaints.assign(
            session,
            complaint_no=complaint.complaint_no,
            department="finance",
            handler=world.staff["agent"],
            actor=world.staff["supervisor"],
        )
        session.commit()
        return complaint.complaint_no


def _staff_mail(wb):
    with wb.sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(m.staff_id, m.member_id, m.channel, m.template, m.complaint_id) for m in rows]


def test_each_rung_is_emailed_once_to_each_recipient_with_an_address(
    wb, world, clock, addresses, smtp_server
):
    number = _complaint(wb, world)
    clock.advance(hours=2)  # no first response within the hour: all three rungs
    assert sweep(wb.sessions, wb.complaints).escalations == 3
    assert sweep(wb.sessions, wb.complaints).escalations == 0
    agent, supervisor = world.staff["agent"].id, world.staff["supervisor"].id
    with wb.sessions() as session:
        complaint_id = wb.complaints.get(session, number).id
        # The TUI hears of all three, the head (no address) included.
        notified = session.scalars(select(Notification.staff_id).order_by(Notification.id)).all()
    assert notified == [agent, supervisor, world.staff["dept_head"].id]
    mail = ("email", "complaint_escalation", complaint_id)
    assert _staff_mail(wb) == [(agent, None, *mail), (supervisor, None, *mail)]

    result = _dispatcher(wb, smtp=smtp_server).run_once()
    assert result.sent == 2 and len(smtp_server.received) == 2
    received = {m["To"]: m for m in smtp_server.received}
    assert set(received) == {"agent@example.com", "Sup@example.com"}
    warning = received["agent@example.com"]
    subject = str(make_header(decode_header(warning["Subject"])))
    assert number in subject and "首次响应" in subject
    body = _text(warning)
    assert number in body and "重复扣费" not in body and world.member_no not in body
    assert _dispatcher(wb, smtp=smtp_server).run_once().sent == 0  # nothing twice


def test_the_same_escalation_is_never_queued_twice(wb, world, addresses):
    """A key per complaint, clock run, rung and person: a second attempt to queue it (a re-run
    after a crash, say) queues nothing."""
    with wb.sessions() as session:
        supervisor = session.get(Staff, world.staff["supervisor"].id)
        notice = dict(
            extra={
                "complaint_no": "C1",
                "category": "billing",
                "priority": "urgent",
                "clock": "resolution",
                "rung": "to_supervisor",
                "share": "75%",
                "due": "-",
            },
            dedupe_key="escalation:1:resolution:0:2:9",
        )
        assert wb.complaints.notify_staff(session, supervisor, "complaint_escalation", **notice)
        assert not wb.complaints.notify_staff(session, supervisor, "complaint_escalation", **notice)
        session.commit()
    assert len(_staff_mail(wb)) == 1


def test_staff_email_is_validated_encrypted_and_removable(wb, world, run_cli):
    with wb.sessions() as session, pytest.raises(ValidationError, match="email"):
        wb.staff.set_email(
            session, actor=world.staff["admin"], username="agent", email="not an address"
        )
    code, out, _ = run_cli("staff", "email", "agent", "agent@example.com", user="admin")
    assert code == 0 and "e-mail of agent set" in out
    with wb.sessions() as session:
        stored = session.get(Staff, world.staff["agent"].id)
        assert "agent@example.com" not in stored.email_enc
        assert wb.staff.email(stored) == "agent@example.com"
    code, _, err = run_cli("staff", "email", "agent", "agent@example.com", user="agent")
    assert code == 2 and err.startswith("error:")
    code, out, _ = run_cli("staff", "email", "agent", user="admin")
    assert code == 0 and "removed" in out


def _text(message) -> str:
    parsed = email.message_from_string(message.as_string())
    for part in parsed.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def test_staff_addresses_stay_out_of_the_logs(wb, world, clock, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements + parameters
    try:
        with wb.sessions() as session:
            wb.staff.set_email(
                session,
                actor=world.staff["admin"],
                username="agent",
                email="wang.handler@example.com",
            )
            session.commit()
        _complaint(wb, world)
        clock.advance(hours=2)
        sweep(wb.sessions, wb.complaints)
        assert _dispatcher(wb, smtp=smtp_server).run_once().sent >= 1
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    # The workbench's own lines; the test's SMTP server (aiosmtpd's "mail.log") logs what it got.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "SELECT" in ours and "wang.handler@example.com" not in ours
    assert any(m["To"] == "wang.handler@example.com" for m in smtp_server.received)
