"""Issue 15, item 1: whoever can write the database cannot forge the audit log unnoticed.

Each forgery the security review made is replayed by an insider who owns the tables (on
PostgreSQL past the append-only triggers, see tests/audit_tamper.py), and `verify` must report
it: rows deleted at the end with the head moved back, every row deleted and the head reset, no
head row, a row edited and the chain recomputed without the key (or with a key of one's own),
an anchor file edited, cut or removed. On PostgreSQL the application's own writes are refused.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import stat
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, inspect, select, text, update
from sqlalchemy import exc as sa_exc

from tests.audit_tamper import owner_session
from tests.conftest import PG_ADMIN_URL, START, _postgres_unavailable
from tests.scratch_db import empty_database
from workbench.audit.anchor import AnchorFile
from workbench.audit.chain import GENESIS, AuditLog, chain_hash, entry_hash
from workbench.audit.models import AuditEntry, AuditHead
from workbench.bootstrap import build
from workbench.cli import main
from workbench.clock import FixedClock
from workbench.crypto import Keyring
from workbench.crypto.check import KeyFileMismatch
from workbench.db import create_db_engine
from workbench.db.engine import immediate_session, make_session_factory
from workbench.db.migrate import downgrade, upgrade
from workbench.errors import KeyringError
from workbench.scheduler import jobs
from workbench.settings import load_settings


def _write(wb, n: int) -> None:
    for i in range(n):
        with immediate_session(wb.sessions) as session:
            wb.audit.record(
                session,
                action="view",
                result="allowed",
                actor_id=1,
                member_id=i,
                purpose="service",
                detail={"i": i},
            )
            session.commit()


def _forget_key_record(wb) -> None:
    """The key file's check values gone (the next start adopts whatever file it is given)."""
    with wb.sessions() as session:
        session.execute(text("DELETE FROM key_check"))
        session.commit()


def _verify(wb):
    return wb.usecases.protection.verify_audit()


def _texts(report) -> str:
    return "\n".join(finding.text for finding in report.findings)


def _anchored(wb, n: int) -> None:
    """n entries, anchored at the head."""
    _write(wb, n)
    anchor = wb.usecases.protection.anchor_audit()
    with wb.sessions() as session:
        assert anchor is not None and anchor.seq == session.get(AuditHead, 1).seq


def _anchor_lines(wb) -> list[dict]:
    path = wb.settings.effective_audit_anchor_file
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_intact_sealed_chain_verifies_with_its_anchor(wb):
    _anchored(wb, 12)
    _write(wb, 3)  # after the anchor: fine, the anchor is a floor
    report = _verify(wb)
    assert report.ok, _texts(report)
    assert report.checked == 15 and report.anchor.seq == 12 and report.keyless_until == 0
    with wb.sessions() as session:
        versions = set(session.scalars(select(AuditEntry.key_version)))
    assert versions == {"a1"}


def test_deleting_the_last_rows_and_moving_the_head_back_is_caught(wb):
    _anchored(wb, 20)
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 15))
        row = session.get(AuditEntry, 15)
        session.execute(update(AuditHead).values(seq=15, hash=row.hash))
    report = _verify(wb)
    assert not report.ok and report.checked == 15
    assert "the log ends at seq 15, but the anchor" in report.problem
    assert "records 20 entries: rows were deleted at the end" in report.problem


def test_deleting_the_last_rows_but_not_the_head_is_caught_without_an_anchor(wb):
    _write(wb, 10)
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 5))
    report = _verify(wb)
    assert report.problem == "rows after 5 are missing (the head says 10)"


def test_wiping_the_log_and_resetting_the_head_is_caught(wb):
    _anchored(wb, 8)
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry))
        session.execute(update(AuditHead).values(seq=0, hash=GENESIS, anchored_seq=0))
    report = _verify(wb)
    assert report.checked == 0
    assert "the log holds 0 entries, but the anchor" in report.problem
    assert "records 8: the log was wiped" in report.problem


def test_a_missing_head_row_is_caught(wb):
    _write(wb, 4)
    with owner_session(wb) as session:
        session.execute(delete(AuditHead))
    report = _verify(wb)
    assert report.checked == 4
    assert "the chain head (audit_head) is missing" in report.problem


def _recompute_keyless(session, from_seq: int, *, keyed_from: int | None = None) -> None:
    """Edits row `from_seq` and recomputes the plain SHA-256 chain from it to the end, as the
    old, keyless chain allowed; optionally moves the start of sealed entries as well."""
    rows = session.scalars(
        select(AuditEntry).where(AuditEntry.seq >= from_seq).order_by(AuditEntry.seq)
    ).all()
    prev = rows[0].prev_hash
    rows[0].detail = '{"i": 999}'
    for row in rows:
        row.prev_hash, row.key_version = prev, None
        row.hash = entry_hash(prev, row)
        prev = row.hash
    values: dict = {"hash": prev}
    if keyed_from is not None:
        values["keyed_from"] = keyed_from
    session.execute(update(AuditHead).values(**values))


def test_an_edited_row_with_the_keyless_chain_recomputed_after_it_is_caught(wb):
    _write(wb, 10)
    with owner_session(wb) as session:
        _recompute_keyless(session, 6)
    report = _verify(wb)
    assert report.at_seq == 6 and report.checked == 5
    assert "row 6 was altered: it is keyless, but entries are sealed" in report.problem


def test_a_keyless_chain_recomputed_with_the_start_of_sealing_moved_is_caught(wb):
    """Row 1 on: every row keyless, the head saying sealing starts after them. The anchor
    records both the hash at its seq and where sealing started."""
    _anchored(wb, 10)
    with owner_session(wb) as session:
        _recompute_keyless(session, 1, keyed_from=11)
    report = _verify(wb)
    texts = _texts(report)
    assert "row 10 does not match the anchor" in texts
    assert "says sealed entries start at seq 1, the database says 11" in texts


def test_moving_the_start_of_sealing_over_sealed_rows_is_caught(wb):
    _write(wb, 6)
    with owner_session(wb) as session:
        _recompute_keyless(session, 4, keyed_from=7)
    report = _verify(wb)
    assert report.at_seq == 1 and "row 1 is sealed, but" in report.problem


def test_a_chain_recomputed_with_another_key_is_caught(wb):
    _write(wb, 10)
    forged_key = secrets.token_bytes(32)
    with owner_session(wb) as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq >= 7).order_by(AuditEntry.seq)
        ).all()
        prev = rows[0].prev_hash
        rows[0].result = "denied"
        for row in rows:
            row.prev_hash = prev
            row.hash = entry_hash(prev, row, forged_key)  # still claiming key a1
            prev = row.hash
        session.execute(update(AuditHead).values(hash=prev))
    report = _verify(wb)
    assert report.at_seq == 7 and report.problem == "row 7 was altered"


def test_an_edited_anchor_file_is_caught(wb):
    _anchored(wb, 10)
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 6))
        session.execute(
            update(AuditHead).values(seq=6, hash=session.get(AuditEntry, 6).hash, anchored_seq=6)
        )
    path = wb.settings.effective_audit_anchor_file
    [line] = _anchor_lines(wb)
    path.write_text(json.dumps({**line, "seq": 6, "hash": "x"}) + "\n")  # the mac is kept
    report = _verify(wb)
    assert "line 1 of the anchor file" in report.problem
    assert "was edited: its signature does not match" in report.problem


def test_a_missing_anchor_file_is_caught_when_the_database_says_anchors_were_written(wb):
    _anchored(wb, 5)
    wb.settings.effective_audit_anchor_file.unlink()
    report = _verify(wb)
    assert "is missing, but the database says anchors were written up to seq 5" in report.problem


def test_an_anchor_file_cut_back_to_an_older_copy_is_caught(wb):
    _anchored(wb, 5)
    path = wb.settings.effective_audit_anchor_file
    older = path.read_text()
    _anchored(wb, 5)
    path.write_text(older)
    report = _verify(wb)
    assert "ends at seq 5, but the database says an anchor was written at seq 10" in (
        report.problem
    )


def test_an_audit_key_that_is_not_the_one_that_sealed_does_not_verify(wb, settings, clock):
    _anchored(wb, 3)
    wrong = wb.keyring.with_audit_keys({"a1": secrets.token_bytes(32)}, "a1")
    with pytest.raises(KeyFileMismatch, match="audit key a1"):
        build(settings, clock=clock, keyring=wrong)  # the key check refuses it at the start
    _forget_key_record(wb)  # verify must still tell, should the key record be wiped as well
    other = build(settings, clock=clock, keyring=wrong)
    try:
        report = _verify(other)
    finally:
        other.dispose()
    assert report.problem == "row 1 was altered"
    assert "was edited: its signature does not match" in _texts(report)


def test_anchor_file_is_owner_only_and_written_every_n_entries(db_url, tmp_path, clock, keyring):
    settings = load_settings(
        database_url=db_url,
        keys_file=str(tmp_path / "keys.json"),
        audit_anchor_file=str(tmp_path / "anchors" / "audit.jsonl"),
        audit_anchor_every=4,
    )
    wb = build(settings, clock=clock, keyring=keyring)
    try:
        _write(wb, 9)
        path = settings.effective_audit_anchor_file
        assert [line["seq"] for line in _anchor_lines(wb)] == [4, 8]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert wb.usecases.protection.anchor_audit().seq == 9
        assert wb.usecases.protection.anchor_audit() is None  # nothing new: no line
        assert [line["seq"] for line in _anchor_lines(wb)] == [4, 8, 9]
        assert _verify(wb).ok
    finally:
        wb.dispose()


def test_a_rolled_back_entry_writes_no_anchor(db_url, tmp_path, clock, keyring):
    settings = load_settings(
        database_url=db_url, keys_file=str(tmp_path / "keys.json"), audit_anchor_every=2
    )
    wb = build(settings, clock=clock, keyring=keyring)
    try:
        _write(wb, 1)
        with immediate_session(wb.sessions) as session:
            wb.audit.record(session, action="view", result="allowed")
            session.rollback()
        assert not settings.effective_audit_anchor_file.exists()
        assert _verify(wb).ok
    finally:
        wb.dispose()


def test_the_scheduler_job_anchors_the_head(wb):
    _write(wb, 3)
    jobs.install(wb)
    jobs.audit_anchor()
    jobs.audit_anchor()
    assert [line["seq"] for line in _anchor_lines(wb)] == [3]


def test_a_rotated_audit_key_seals_new_entries_and_old_ones_still_verify(wb, settings, clock):
    _anchored(wb, 3)
    rotated = wb.keyring.with_audit_keys(*wb.keyring.rotated_audit_keys())
    assert rotated.active_audit_key == "a2" and set(rotated.audit_keys) == {"a1", "a2"}
    later = build(settings, clock=clock, keyring=rotated)
    try:
        _anchored(later, 2)
        report = _verify(later)
        assert report.ok, _texts(report)
        assert {line["key"] for line in _anchor_lines(later)} == {"a1", "a2"}
        with later.sessions() as session:
            versions = session.scalars(select(AuditEntry.key_version).order_by(AuditEntry.seq))
            assert list(versions) == ["a1"] * 3 + ["a2"] * 2
    finally:
        later.dispose()
    # A key file that lost the old audit key cannot vouch for what it sealed.
    lost = rotated.with_audit_keys({"a2": rotated.audit_keys["a2"]}, "a2")
    with pytest.raises(KeyFileMismatch, match="lacks audit key a1"):
        build(settings, clock=clock, keyring=lost)
    _forget_key_record(wb)
    partial = build(settings, clock=clock, keyring=lost)
    try:
        problem = _verify(partial).problem
    finally:
        partial.dispose()
    assert problem.startswith("row 1 is sealed with audit key 'a1', which the key file does not")


def test_keys_rotate_also_rotates_the_audit_key(keyring):
    rotated = keyring.rotated()
    assert rotated.active_audit_key == "a2" and rotated.audit_keys["a1"] == keyring.audit_keys["a1"]
    assert Keyring.from_json(rotated.to_json(), "t") == rotated


def test_a_key_file_without_an_audit_key_refuses_to_write_with_the_fix(keyring, clock):
    doc = json.loads(keyring.to_json())
    del doc["audit_keys"], doc["audit_active"]
    old = Keyring.from_json(json.dumps(doc), "keys.json")
    assert old.audit_keys == {}
    with pytest.raises(KeyringError, match="has no audit key: add one with `workbench audit"):
        AuditLog(clock, old).record(None, action="view", result="allowed")  # type: ignore[arg-type]


# The commands ------------------------------------------------------------------------------------
def _run(args, capsys) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code or 0
    return code, capsys.readouterr().out


def test_audit_commands_anchor_verify_and_report_a_truncation(wb, keyring, monkeypatch, capsys):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_KEYRING", keyring.to_json())
    monkeypatch.setenv("WORKBENCH_AUDIT_ANCHOR_FILE", str(wb.settings.effective_audit_anchor_file))
    _write(wb, 6)
    code, out = _run(["audit", "anchor"], capsys)
    assert code == 0 and "anchored seq 6 in" in out
    code, out = _run(["audit", "verify"], capsys)
    assert code == 0 and "6 entries checked; the chain is intact" in out
    assert "anchored at seq 6" in out
    assert "0 entries pending sequencing" in out
    with owner_session(wb) as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq > 4))
        session.execute(update(AuditHead).values(seq=4, hash=session.get(AuditEntry, 4).hash))
    code, out = _run(["audit", "verify"], capsys)
    assert code == 1
    assert "BROKEN after 4 good entries: the log ends at seq 4, but the anchor" in out
    assert "Traceback" not in out


def test_audit_rotate_key_adds_a_key_to_the_key_file(tmp_path, db_url, monkeypatch, capsys):
    key_file = tmp_path / "installed-keys.json"
    Keyring.generate().save(key_file)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    monkeypatch.setenv("WORKBENCH_KEYS_FILE", str(key_file))
    code, out = _run(["audit", "rotate-key"], capsys)
    assert code == 0 and "audit key a2 added" in out
    saved = Keyring.from_json(key_file.read_text(), "t")
    assert saved.active_audit_key == "a2" and set(saved.audit_keys) == {"a1", "a2"}


# Entries written before sealing began ------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path):
    """An empty database of its own (migrated step by step by the test)."""
    if request.param == "postgresql" and (reason := _postgres_unavailable()):
        pytest.skip(reason)
    backend = "sqlite" if request.param == "sqlite" else PG_ADMIN_URL
    with empty_database(backend, tmp_path / "old.db", "workbench_audit") as url:
        yield url


def _keyless_rows(sessions, n: int) -> None:
    """n entries as revision 0015 wrote them: plain SHA-256, no key."""
    with sessions() as session:
        prev = GENESIS
        for seq in range(1, n + 1):
            values = dict(
                seq=seq,
                at=datetime(2026, 1, 1, tzinfo=UTC),
                actor_id=1,
                action="view",
                member_id=seq,
                purpose="service",
                result="allowed",
                detail="{}",
            )
            digest = chain_hash(prev, *values.values())
            session.execute(
                AuditEntry.__table__.insert().values(**values, prev_hash=prev, hash=digest)
            )
            prev = digest
        session.execute(text("UPDATE audit_head SET seq = :n, hash = :h"), {"n": n, "h": prev})
        session.commit()


def test_keyless_entries_from_before_the_upgrade_verify_and_are_reported(fresh_url, tmp_path):
    engine = create_db_engine(fresh_url)
    try:
        upgrade(engine, "0015")
        sessions = make_session_factory(engine)
        _keyless_rows(sessions, 5)
        upgrade(engine)  # to the head: revision 0016 and the ones after it
        audit = AuditLog(
            FixedClock(START), Keyring.generate(), anchors=AnchorFile(tmp_path / "a.jsonl")
        )
        for _ in range(3):
            with immediate_session(sessions) as session:
                audit.record(session, action="view", result="allowed")
                session.commit()
        with sessions() as session:
            report = audit.verify(session)
            assert report.ok, _texts(report)
            assert report.checked == 8 and report.keyless_until == 5
            assert session.get(AuditHead, 1).keyed_from == 6
        # The first sealed entry covers the last keyless hash: the old part is sealed in too.
        with sessions() as session:
            if engine.dialect.name == "postgresql":
                session.execute(text("SET LOCAL session_replication_role = replica"))
            keyless = session.scalars(
                select(AuditEntry).where(AuditEntry.seq.between(2, 5)).order_by(AuditEntry.seq)
            ).all()
            prev = keyless[0].prev_hash
            keyless[0].detail = '{"edited": true}'
            for row in keyless:
                row.prev_hash = prev
                row.hash = entry_hash(prev, row)
                prev = row.hash
            session.commit()
        with sessions() as session:
            report = audit.verify(session)
        assert report.at_seq == 6 and report.problem == "row 6 was altered"
    finally:
        engine.dispose()


# PostgreSQL refuses the application's own attempts ----------------------------------------------
@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entry SET result = 'denied' WHERE seq = 2",
        "DELETE FROM audit_entry WHERE seq >= 2",
        "TRUNCATE audit_entry",
        "UPDATE audit_head SET seq = 1",
        "UPDATE audit_head SET keyed_from = 100",
        "UPDATE audit_head SET anchored_seq = 0",
        "DELETE FROM audit_head",
    ],
)
def test_postgres_refuses_to_change_or_remove_audit_rows(pg_wb, statement):
    _anchored(pg_wb, 3)
    with pg_wb.sessions() as session, pytest.raises(sa_exc.DBAPIError) as refused:
        session.execute(text(statement))
    assert refused.value.orig.sqlstate == "42501"  # insufficient_privilege
    assert any(
        words in str(refused.value)
        for words in ("append-only", "only moves forward", "cannot be removed")
    )
    _write(pg_wb, 1)  # appending still works
    report = _verify(pg_wb)
    assert report.ok and report.checked == 4


def test_the_migration_goes_down_and_up_again(fresh_url):
    engine = create_db_engine(fresh_url)
    try:
        upgrade(engine, "0016")
        downgrade(engine, "0015")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("audit_head")}
        assert columns == {"id", "seq", "hash"}
        upgrade(engine, "0016")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT keyed_from FROM audit_head")).scalar() == 1
    finally:
        engine.dispose()


def test_a_key_file_from_before_audit_keys_gets_one_with_rotate_key(
    tmp_path, db_url, monkeypatch, capsys
):
    key_file = tmp_path / "old-keys.json"
    doc = json.loads(Keyring.generate().to_json())
    del doc["audit_keys"], doc["audit_active"]
    key_file.write_text(json.dumps(doc))
    key_file.chmod(0o600)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    monkeypatch.setenv("WORKBENCH_KEYS_FILE", str(key_file))
    code, out = _run(["audit", "rotate-key"], capsys)
    assert code == 0 and "audit key a1 added" in out
    code, out = _run(["audit", "anchor"], capsys)
    assert code == 0 and "nothing new to anchor" in out  # nothing recorded yet


def test_anchors_are_also_sent_to_syslog(db_url, tmp_path, clock, keyring):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(10)
        port = sink.getsockname()[1]
        settings = load_settings(
            database_url=db_url,
            keys_file=str(tmp_path / "keys.json"),
            audit_anchor_syslog=f"127.0.0.1:{port}",
        )
        wb = build(settings, clock=clock, keyring=keyring)
        try:
            _anchored(wb, 2)
            message = sink.recv(4096).decode()
        finally:
            wb.dispose()
    assert message.startswith("<38>workbench-audit: anchor ")
    sent = json.loads(message.split("anchor ", 1)[1])
    assert sent == _anchor_lines(wb)[0] and sent["seq"] == 2
