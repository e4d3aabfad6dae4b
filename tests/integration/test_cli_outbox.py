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
