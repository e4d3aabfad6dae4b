"""Migration 0020 on a database the old look-up damaged: rows that took an earlier row's SID
are failed with the reason (the earliest keeps it), so the SID can become unique; and back."""

from sqlalchemy import text

from workbench.db import create_db_engine
from workbench.db.migrate import downgrade, upgrade

ROW = (
    "INSERT INTO outbox_message (channel, template, language, purpose, recipient_enc, body_enc, "
    "segments, status, attempts, next_attempt_at, ambiguous, provider_id, created_at) VALUES "
    "('sms', 'welcome', 'zh-CN', 'transactional', 'k:x', 'k:y', 1, 'sent', 1, "
    "'2026-03-02 01:00:00', false, :sid, '2026-03-02 01:00:00')"
)


def test_shared_sids_are_failed_then_the_sid_is_unique(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0019")
    with engine.begin() as connection:
        for sid in ("SM1", "SM1", "SM1", "SM2"):
            connection.execute(text(ROW), {"sid": sid})
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, status, provider_id, last_error FROM outbox_message ORDER BY id")
        ).all()
    assert [(r.status, r.provider_id) for r in rows] == [
        ("sent", "SM1"),
        ("failed", None),
        ("failed", None),
        ("sent", "SM2"),
    ]
    assert "earlier message" in rows[1].last_error
    downgrade(engine, "0019")
    upgrade(engine)
    engine.dispose()
