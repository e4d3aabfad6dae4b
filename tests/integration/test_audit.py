"""The hash chain: intact after concurrent writers, and `verify` catches edits and deletions."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, func, select, update

from tests.audit_tamper import owner_session
from workbench.audit.models import AuditEntry
from workbench.cli import main
from workbench.db.engine import immediate_session


def _write(wb, n, actor=1):
    for i in range(n):
        with immediate_session(wb.sessions) as session:
            wb.audit.record(
                session,
                action="view",
                result="allowed",
                actor_id=actor,
                member_id=i,
                purpose="service",
                detail={"i": i},
            )
            session.commit()


def test_eight_concurrent_writers_keep_one_chain(wb):
    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(_write, wb, 25, actor) for actor in range(8)]:
            future.result()
    with wb.sessions() as session:
        report = wb.audit.verify(session)
        assert report.ok, report.problem
        assert report.checked == 200
        seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        assert seqs == list(range(1, 201))
        counts = select(AuditEntry.actor_id, func.count()).group_by(AuditEntry.actor_id)
        per_actor = {actor: n for actor, n in session.execute(counts)}
        assert per_actor == {actor: 25 for actor in range(8)}


def test_verify_finds_an_edited_row(wb):
    _write(wb, 10)
    with owner_session(wb) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(result="denied"))
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert not report.ok and report.at_seq == 4 and "altered" in report.problem


def test_verify_finds_a_deleted_row(wb):
    _write(wb, 10)
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 7))
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert not report.ok and report.at_seq == 7 and "missing" in report.problem


def test_verify_finds_a_truncated_tail(wb):
    _write(wb, 10)
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= 9))
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert not report.ok and "after 8" in report.problem


def test_verify_finds_a_rewritten_chain_tail(wb):
    """Recomputing one row's hash without the audit key does not match its seal."""
    from workbench.audit.chain import entry_hash

    _write(wb, 5)
    with owner_session(wb) as session:
        row = session.get(AuditEntry, 3)
        row.detail = '{"i": 99}'
        row.hash = entry_hash(row.prev_hash, row)
    with wb.sessions() as session:
        report = wb.audit.verify(session)
    assert not report.ok and report.at_seq == 3


def test_audit_verify_command(wb, keyring, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_KEYRING", keyring.to_json())
    _write(wb, 3)
    try:
        main(["audit", "verify"])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    assert "3 entries checked; the chain is intact" in capsys.readouterr().out
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    try:
        main(["audit", "verify"])
    except SystemExit as exit_:
        assert exit_.code == 1
    assert "row 2 is missing" in capsys.readouterr().out
