"""The key file must be the database's: a mismatched one is refused before anything is read or
written, a loose one is refused with the command that fixes it, and what we create is 0600."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.factories import password_hash
from workbench.audit.models import AuditEntry
from workbench.backup.service import create_backup, pg_command
from workbench.bootstrap import build
from workbench.cli import main
from workbench.cli.state import state
from workbench.crypto import Keyring
from workbench.crypto.check import KeyCheck, KeyFileMismatch, check_values
from workbench.db import create_db_engine
from workbench.members.models import Member, Staff

PASSWORD = "password1"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def cli(wb, world, clock, tmp_path, monkeypatch, capsys):
    """`workbench …` with a key file (not the inline keyring) against the test database."""
    key_file = tmp_path / "keys" / "keys.json"
    monkeypatch.setattr(state, "clock", clock)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_FILE", str(key_file))
    monkeypatch.delenv("WORKBENCH_KEYS_KEYRING", raising=False)
    monkeypatch.setenv("WORKBENCH_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKBENCH_NEW_PASSWORD", "a new password 1")
    monkeypatch.setenv("WORKBENCH_PROTECTION_TERMINAL_FILE", "/nonexistent/terminal.json")
    with wb.sessions() as session:
        for staff in session.scalars(select(Staff)):
            staff.password_hash = password_hash(PASSWORD)
        session.commit()

    def run(*args: str) -> tuple[int, str, str]:
        state.close()
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        state.close()
        out, err = capsys.readouterr()
        return exited.value.code or 0, out, err

    return run, key_file


def _written(wb) -> tuple[int, int, int, str | None]:
    """What a write would change: staff, members, audit entries, the key record."""
    with wb.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Staff)) or 0,
            session.scalar(select(func.count()).select_from(Member)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            session.scalar(select(KeyCheck.checks)),
        )


def test_the_database_adopts_the_key_file_on_first_use(wb, keyring):
    with wb.sessions() as session:
        recorded = json.loads(session.scalar(select(KeyCheck.checks)))
    assert recorded == check_values(keyring)
    raw = json.dumps(recorded)
    assert set(recorded["audit"]) == {"a1"}
    keys = (keyring.index_key, keyring.backup_key, *keyring.data_keys.values())
    for key in (*keys, *keyring.audit_keys.values()):
        assert key.hex() not in raw and base64.b64encode(key).decode() not in raw


def test_a_workbench_with_another_installations_keys_does_not_start(wb, settings, clock):
    before = _written(wb)
    with pytest.raises(KeyFileMismatch, match="does not belong to this database"):
        build(settings, clock=clock, keyring=Keyring.generate())
    assert _written(wb) == before


def test_a_mismatched_key_file_is_refused_for_reads_and_writes(cli, wb, world):
    run, key_file = cli
    Keyring.generate().save(key_file)
    before = _written(wb)
    code, out, err = run("--user", "sales_own", "members", "show", world.member_no)
    assert code == 2 and out == ""
    assert f"the key file {key_file} does not belong to this database" in err
    assert "WORKBENCH_KEYS_FILE" in err and "Traceback" not in err
    code, _, err = run("--user", "admin", "staff", "add", "agent9", "--role", "agent")
    assert code == 2 and "does not belong to this database" in err
    code, _, err = run("backup", "create", "-o", str(key_file.parent / "b.wbk"))
    assert code == 2 and "does not belong to this database" in err
    assert _written(wb) == before
    assert not (key_file.parent / "b.wbk").exists()


def test_the_right_key_file_works(cli, wb, world, keyring):
    run, key_file = cli
    keyring.save(key_file)
    code, out, err = run("--user", "sales_own", "members", "show", world.member_no)
    assert code == 0, err
    assert world.member_no in out


def test_rotate_with_the_wrong_key_file_writes_nothing(cli, wb, world):
    run, key_file = cli
    Keyring.generate().save(key_file)
    file_before, db_before = key_file.read_bytes(), _written(wb)
    code, _, err = run("keys", "rotate")
    assert code == 2 and "does not belong to this database" in err
    assert key_file.read_bytes() == file_before  # no key was added to the wrong file
    assert _written(wb) == db_before


def test_rotation_is_recorded_and_an_older_key_file_is_then_refused(cli, wb, keyring, tmp_path):
    run, key_file = cli
    keyring.save(key_file)
    code, out, err = run("keys", "rotate")
    assert code == 0 and "active key is now k2" in out, err
    with wb.sessions() as session:
        recorded = json.loads(session.scalar(select(KeyCheck.checks)))
    assert set(recorded["data"]) == {"k1", "k2"}
    old_copy = tmp_path / "old" / "keys.json"
    keyring.save(old_copy)  # the key file as it was before the rotation
    os.environ["WORKBENCH_KEYS_FILE"] = str(old_copy)  # cli's monkeypatch restores it
    code, _, err = run("--user", "agent", "members", "find", "--card", "x")
    assert code == 2 and "lacks data key k2" in err


def test_an_audit_key_rotation_is_recorded_at_once_and_an_older_key_file_refused(
    cli, wb, world, keyring, tmp_path
):
    run, key_file = cli
    keyring.save(key_file)
    code, out, err = run("audit", "rotate-key")
    assert code == 0 and "audit key a2 added" in out, err
    with wb.sessions() as session:
        recorded = json.loads(session.scalar(select(KeyCheck.checks)))
    assert set(recorded["audit"]) == {"a1", "a2"}  # recorded by the rotation, not a later start
    old_copy = tmp_path / "old" / "keys.json"
    keyring.save(old_copy)  # the key file as it was before the rotation
    os.environ["WORKBENCH_KEYS_FILE"] = str(old_copy)  # cli's monkeypatch restores it
    before = _written(wb)
    code, out, err = run("--user", "admin", "staff", "add", "agent9", "--role", "agent")
    assert code == 2 and out == "" and "lacks audit key a2" in err
    assert _written(wb) == before
    os.environ["WORKBENCH_KEYS_FILE"] = str(key_file)
    code, out, err = run("--user", "sales_own", "members", "show", world.member_no)
    assert code == 0 and world.member_no in out, err


def test_an_audit_key_with_other_bytes_is_a_mismatch(wb, settings, clock, keyring):
    other = keyring.with_audit_keys({"a1": Keyring.generate().audit_keys["a1"]}, "a1")
    before = _written(wb)
    with pytest.raises(KeyFileMismatch, match="its audit key a1 is not this database's"):
        build(settings, clock=clock, keyring=other)
    assert _written(wb) == before


def test_a_record_from_before_audit_keys_were_checked_adopts_them(wb, settings, clock, keyring):
    with wb.sessions() as session:
        record = session.get(KeyCheck, 1)
        old = json.loads(record.checks)
        del old["audit"]
        record.checks = json.dumps(old)
        session.commit()
    build(settings, clock=clock, keyring=keyring).dispose()
    with wb.sessions() as session:
        assert json.loads(session.scalar(select(KeyCheck.checks))) == check_values(keyring)
    other = keyring.with_audit_keys({"a1": Keyring.generate().audit_keys["a1"]}, "a1")
    with pytest.raises(KeyFileMismatch, match="audit key a1"):
        build(settings, clock=clock, keyring=other)


def test_a_key_file_others_can_read_is_refused_with_the_fix(cli, world, keyring):
    run, key_file = cli
    keyring.save(key_file)
    key_file.chmod(0o644)
    code, out, err = run("--user", "sales_own", "members", "show", world.member_no)
    assert code == 2 and out == ""
    assert f"chmod 600 {key_file}" in err
    key_file.chmod(0o600)
    assert run("--user", "sales_own", "members", "show", world.member_no)[0] == 0


def test_a_database_with_data_and_no_record_adopts_only_a_key_file_that_reads_it(
    wb, world, settings, clock, keyring
):
    with wb.sessions() as session:
        session.execute(text("DELETE FROM key_check"))
        session.commit()
    with pytest.raises(KeyFileMismatch, match="cannot read the values stored in"):
        build(settings, clock=clock, keyring=Keyring.generate())
    with wb.sessions() as session:
        assert session.scalar(select(KeyCheck.checks)) is None
    again = build(settings, clock=clock, keyring=keyring)
    again.dispose()
    with wb.sessions() as session:
        assert json.loads(session.scalar(select(KeyCheck.checks))) == check_values(keyring)


def test_keys_init_and_db_upgrade_adopt_for_a_fresh_database(tmp_path, monkeypatch, capsys):
    database = tmp_path / "fresh" / "workbench.db"
    key_file = tmp_path / "keys" / "keys.json"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("WORKBENCH_KEYS_FILE", str(key_file))
    monkeypatch.delenv("WORKBENCH_KEYS_KEYRING", raising=False)
    for args in (["keys", "init"], ["db", "upgrade"]):
        state.close()
        with pytest.raises(SystemExit) as exited:
            main(args)
        assert (exited.value.code or 0) == 0, capsys.readouterr()
    state.close()
    assert _mode(key_file) == 0o600
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists():
            assert _mode(path) == 0o600, path
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            recorded = connection.execute(text("SELECT checks FROM key_check")).scalar()
    finally:
        engine.dispose()
    assert recorded is not None and "index" in json.loads(recorded)


def test_sqlite_files_and_backups_are_created_owner_only(tmp_path, wb, world, keyring, clock):
    database = tmp_path / "new" / "w.db"
    engine = create_db_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert path.exists() and _mode(path) == 0o600, path
    finally:
        engine.dispose()
    loose = tmp_path / "loose.db"
    loose.touch(mode=0o644)
    loose.chmod(0o644)
    create_db_engine(f"sqlite:///{loose}").dispose()
    assert _mode(loose) == 0o600  # a file of ours left loose is tightened

    backup = tmp_path / "backups" / "b.wbk"
    backup.parent.mkdir()
    backup.write_bytes(b"left over")
    backup.with_suffix(".wbk.partial").touch(mode=0o644)
    create_backup(
        url=wb.settings.effective_database_url, keyring=keyring, target=backup, now=clock.now()
    )
    assert _mode(backup) == 0o600


def test_pg_tools_get_the_password_from_the_environment():
    url = "postgresql+psycopg://workbench:s3cret-pw@db.example:5433/wb"
    argv, env = pg_command("pg_dump", url, "--format=custom")
    assert all("s3cret-pw" not in arg for arg in argv)
    assert argv == ["pg_dump", "--format=custom", "postgresql://workbench@db.example:5433/wb"]
    assert env["PGPASSWORD"] == "s3cret-pw"
    argv, env = pg_command("pg_restore", url, "--no-owner")
    assert argv[-1] == "--dbname=postgresql://workbench@db.example:5433/wb"
    assert env["PGPASSWORD"] == "s3cret-pw"
    _, env = pg_command("pg_dump", "postgresql+psycopg://postgres@127.0.0.1/wb")
    assert env.get("PGPASSWORD") == os.environ.get("PGPASSWORD")


@pytest.mark.postgres
def test_pg_dump_is_run_without_the_password_in_its_arguments(
    tmp_path, monkeypatch, keyring, clock, pg_database_url
):
    """A stand-in pg_dump on PATH records what it was given, then runs the real one."""
    import shutil

    from sqlalchemy.engine import make_url

    real = shutil.which("pg_dump")
    if real is None:
        pytest.skip("pg_dump is not installed")
    seen = tmp_path / "seen.json"
    wrapper = tmp_path / "bin" / "pg_dump"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"json.dump({{'argv': sys.argv, 'pw': os.environ.get('PGPASSWORD')}}, open({str(seen)!r}, 'w'))\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n"
    )
    wrapper.chmod(0o700)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    with_password = make_url(pg_database_url).set(password="not-in-argv-pw")
    url = with_password.render_as_string(hide_password=False)
    create_backup(url=url, keyring=keyring, target=tmp_path / "pg.wbk", now=clock.now())
    recorded = json.loads(seen.read_text())
    assert recorded["pw"] == "not-in-argv-pw"  # trust auth ignores it; the server answered
    assert all("not-in-argv-pw" not in arg for arg in recorded["argv"])
    assert _mode(tmp_path / "pg.wbk") == 0o600
