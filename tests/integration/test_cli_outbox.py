"""`workbench outbox`: preview through the access layer, status, run, retry and cancel."""

from sqlalchemy import select

from workbench.messaging.models import OutboxAttempt, OutboxMessage


def _welcome_sms(wb, world) -> int:
    with wb.sessions() as session:
        return session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.member_id == world.member_id, OutboxMessage.channel == "sms"
            )
        )


def test_preview_shows_the_sms_with_its_segments_and_masks_the_recipient(run_cli, world):
    code, out, _ = run_cli("outbox", "preview", "points_expiry", world.member_no, user="sales_own")
    assert code == 0
    assert "UCS-2" in out and "segment" in out and "1200" in out
    assert world.app.phone not in out and world.app.phone[:3] + "****" in out
    code, out, _ = run_cli(
        "outbox", "preview", "welcome", world.member_no, "--language", "en", user="sales_own"
    )
    # English words, but the member's surname is Chinese: the SMS still needs UCS-2.
    assert code == 0 and "UCS-2" in out and "2 segments" in out and "welcome" in out.lower()


def test_preview_obeys_the_scope(run_cli, world):
    code, _, err = run_cli("outbox", "preview", "welcome", world.member_no, user="sales_other")
    assert code == 2 and "may not see" in err


def test_preview_of_an_unknown_template_is_a_clear_error(run_cli, world):
    code, _, err = run_cli("outbox", "preview", "nonsense", world.member_no, user="sales_own")
    assert code == 2 and "template" in err and "welcome" in err


def test_status_counts_by_channel_and_state(run_cli, world):
    code, out, _ = run_cli("outbox", "status")
    assert code == 0 and "queued" in out and "sms" in out and "email" in out


def test_cancel_and_retry_are_for_supervisors_and_recorded(run_cli, wb, world):
    message_id = _welcome_sms(wb, world)
    code, _, err = run_cli("outbox", "cancel", str(message_id), user="agent")
    assert code == 2 and "may not change messages" in err
    assert run_cli("outbox", "cancel", str(message_id), user="supervisor")[0] == 0
    code, _, err = run_cli("outbox", "cancel", str(message_id), user="supervisor")
    assert code == 2 and "is cancelled" in err
    assert run_cli("outbox", "retry", str(message_id), user="supervisor")[0] == 0
    code, _, err = run_cli("outbox", "retry", "999999", user="supervisor")
    assert code == 2 and "no message 999999" in err
    with wb.sessions() as session:
        assert session.get(OutboxMessage, message_id).status == "queued"
        notes = session.scalars(
            select(OutboxAttempt.result).where(OutboxAttempt.message_id == message_id)
        ).all()
    assert notes == ["cancelled", "requeued"]


def test_run_sends_the_email_through_smtp(run_cli, monkeypatch, smtp_server, world):
    monkeypatch.setenv("WORKBENCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WORKBENCH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("WORKBENCH_SMTP_SECURITY", "none")
    code, out, _ = run_cli("outbox", "run")
    assert code == 0 and out.startswith("1 sent")
    assert len(smtp_server.received) == 1


def test_run_without_any_sender_says_so(run_cli, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SMTP_HOST", "")
    code, out, _ = run_cli("outbox", "run")
    assert code == 2 and "no sender is configured" in out


def test_run_help_shows_the_settings_section(run_cli):
    code, out, _ = run_cli("outbox", "run", "--help")
    assert code == 0 and "[messaging] send_seconds" in " ".join(out.split())


def test_bulk_retry_of_failed_messages_and_status_after_an_outage(run_cli, wb, world):
    from datetime import timedelta

    from sqlalchemy import update

    with wb.sessions() as session:
        session.execute(
            update(OutboxMessage).values(status="failed", last_error="SMTP server unreachable")
        )
        for message_id in session.scalars(select(OutboxMessage.id)):
            session.add(
                OutboxAttempt(
                    message_id=message_id,
                    at=wb.clock.now() - timedelta(minutes=3),
                    result="failed",
                    detail="SMTP server unreachable: ConnectionRefusedError",
                )
            )
        session.commit()
        total = len(session.scalars(select(OutboxMessage.id)).all())
    code, out, _ = run_cli("outbox", "status")
    assert code == 0 and "last error 3 min ago: SMTP server unreachable" in " ".join(out.split())
    code, _, err = run_cli("outbox", "retry", "--failed", user="agent")
    assert code == 2 and "may not change messages" in err
    code, out, _ = run_cli(
        "outbox", "retry", "--failed", "--channel", "email", "--since", "1d", user="supervisor"
    )
    assert code == 0 and "queued again" in out
    with wb.sessions() as session:
        statuses = session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
        channels = session.scalars(select(OutboxMessage.channel).order_by(OutboxMessage.id)).all()
    pairs = list(zip(statuses, channels, strict=True))
    assert [s for s, c in pairs if c == "email"] == ["queued"] * channels.count("email")
    assert all(s == "failed" for s, c in pairs if c == "sms")
    code, out, _ = run_cli("outbox", "retry", "--failed", "--template", "welcome", user="admin")
    assert code == 0 and f"{channels.count('sms')} failed message" in out
    code, out, _ = run_cli("outbox", "status")
    assert code == 0 and "oldest waiting message queued" in out
    assert total == len(statuses)
    code, _, err = run_cli("outbox", "retry", user="supervisor")
    assert code == 2
