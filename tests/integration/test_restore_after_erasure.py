"""A backup made before an erasure, restored afterwards, never brings the member back: the
erasure ledger (a table, and a file beside the key file) is re-applied by `backup restore`."""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.scratch_db import empty_database
from workbench.audit.models import AuditEntry
from workbench.backup.ledger import ErasureRecord, read_ledger_file
from workbench.bootstrap import build
from workbench.cli import main
from workbench.cli.state import state
from workbench.members.models import Member, MemberStatus


@pytest.fixture
def empty_target(db_url, tmp_path):
    with empty_database(db_url, tmp_path / "restored.db", "workbench_restore") as url:
        yield url


@pytest.fixture
def cli(wb, keyring, clock, monkeypatch, capsys):
    monkeypatch.setattr(state, "clock", clock)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_KEYRING", keyring.to_json())

    def run(*args: str) -> tuple[int, str, str]:
        state.close()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        state.close()
        out, err = capsys.readouterr()
        return exited.value.code or 0, out, err

    return run


def _terminate(wb, world, reason: str = "voluntary") -> None:
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason=reason, actor=world.staff["admin"]
        )
        session.commit()


def _restored(wb, url, clock, keyring):
    return build(wb.settings.model_copy(update={"database_url": url}), clock=clock, keyring=keyring)


def _assert_erased(restored, world) -> None:
    with restored.sessions() as session:
        member = session.get(Member, world.member_id)
        assert member is not None and member.status == MemberStatus.TERMINATED
        assert member.erased_at is not None
        assert member.name_enc is None and member.phone_bidx is None
        assert restored.registry.find_by_phone(session, world.app.phone) is None
        assert session.get(ErasureRecord, world.member_id) is not None


def test_backup_erase_restore_keeps_the_member_erased(
    cli, wb, world, clock, keyring, empty_target, tmp_path
):
    ledger = wb.settings.effective_erasure_ledger_file
    backup = wb.usecases.admin.create_backup(tmp_path / "before.wbk").path
    clock.advance(hours=1)
    _terminate(wb, world)
    [entry] = read_ledger_file(ledger)
    assert entry.member_id == world.member_id and entry.reason == "voluntary"
    assert stat.S_IMODE(ledger.stat().st_mode) == 0o600
    assert set(json.loads(ledger.read_text())) == {"member", "erased_at", "reason"}

    code, out, err = cli("backup", "restore", str(backup), "--into", empty_target)
    assert code == 0, err
    assert "1 members erased again" in out
    assert len(ledger.read_text().splitlines()) == 1  # erasing again adds no second line
    restored_file = make_url(empty_target).database
    if empty_target.startswith("sqlite"):
        assert stat.S_IMODE(os.stat(restored_file).st_mode) == 0o600
    restored = _restored(wb, empty_target, clock, keyring)
    try:
        _assert_erased(restored, world)
        with restored.sessions() as session:
            entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "erase"))
            assert any("reapplied_after_restore" in e.detail for e in entries)
        assert restored.usecases.admin.reapply_erasures() == 0  # nothing left to erase
    finally:
        restored.dispose()


def test_a_termination_after_notice_is_reapplied_with_its_reason(
    cli, wb, world, clock, keyring, empty_target, tmp_path
):
    with wb.sessions() as session:
        wb.registry.give_termination_notice(
            session, member_no=world.member_no, reason="inactivity", actor=world.staff["admin"]
        )
        session.commit()
    backup = wb.usecases.admin.create_backup(tmp_path / "noticed.wbk").path
    clock.advance(days=wb.settings.members_termination_notice_days + 1)
    _terminate(wb, world, "inactivity")

    code, out, err = cli("backup", "restore", str(backup), "--into", empty_target)
    assert code == 0 and "1 members erased again" in out, err
    restored = _restored(wb, empty_target, clock, keyring)
    try:
        _assert_erased(restored, world)
        with restored.sessions() as session:
            assert session.get(Member, world.member_id).termination_reason == "inactivity"
    finally:
        restored.dispose()


def test_a_rolled_back_erasure_is_not_in_the_ledger(wb, world):
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason="voluntary", actor=world.staff["admin"]
        )
        session.flush()
        session.rollback()
    assert read_ledger_file(wb.settings.effective_erasure_ledger_file) == []
    with wb.sessions() as session:
        assert session.get(ErasureRecord, world.member_id) is None


def test_a_lost_ledger_line_is_written_again_by_the_next_backup(wb, world, tmp_path):
    ledger = wb.settings.effective_erasure_ledger_file
    _terminate(wb, world)
    ledger.unlink()  # as if the process had stopped between the commit and the append
    wb.usecases.admin.create_backup(tmp_path / "after.wbk")
    assert [e.member_id for e in read_ledger_file(ledger)] == [world.member_id]
