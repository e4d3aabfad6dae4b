"""`workbench keys init` and `rotate`: values stay readable and move to the new key."""

import pytest
from sqlalchemy import select

from tests.factories import application
from workbench.bootstrap import build
from workbench.cli import main
from workbench.crypto import load_keyring
from workbench.members.models import Member
from workbench.settings import load_settings


@pytest.fixture
def cli_with_key_file(wb, tmp_path, monkeypatch, capsys):
    key_file = tmp_path / "keys" / "keys.json"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_FILE", str(key_file))
    monkeypatch.delenv("WORKBENCH_KEYS_KEYRING", raising=False)

    def run(*args):
        with pytest.raises(SystemExit) as exited:
            main(list(args))
        out, err = capsys.readouterr()
        return exited.value.code or 0, out, err

    return run, key_file


def test_init_refuses_to_overwrite(cli_with_key_file):
    run, key_file = cli_with_key_file
    assert run("keys", "init")[0] == 0
    assert key_file.stat().st_mode & 0o777 == 0o600
    code, _, err = run("keys", "init")
    assert code == 2 and "already exists" in err


def test_missing_key_file_says_what_to_do(cli_with_key_file):
    run, _ = cli_with_key_file
    code, _, err = run("members", "show", "M000000001")
    assert code == 2 and "workbench keys init" in err


def test_rotate_reencrypts_every_member(cli_with_key_file, people):
    run, key_file = cli_with_key_file
    run("keys", "init")
    first = load_keyring(inline_json=None, path=key_file)
    settings = load_settings()  # the test database and key file, from the environment
    wb = build(settings, keyring=first)
    apps = [application() for _ in range(3)]
    with wb.sessions() as session:
        for app in apps:
            wb.registry.apply(session, application=app, actor=people.sales)
        session.commit()
    wb.dispose()

    code, out, _ = run("keys", "rotate", "--batch-size", "100")
    assert code == 0 and "active key is now k2; 3 members re-encrypted" in out
    rotated = load_keyring(inline_json=None, path=key_file)
    assert rotated.active_key_id == "k2" and set(rotated.data_keys) == {"k1", "k2"}
    assert rotated.index_key == first.index_key  # the blind index stays valid

    wb = build(settings, keyring=rotated)
    with wb.sessions() as session:
        members = session.scalars(select(Member)).all()
        assert all(m.name_enc.startswith("k2:") for m in members)
        for app in apps:
            found = wb.registry.find_by_phone(session, app.phone)
            assert wb.registry.decrypt(found)["id_number"] == app.id_number
    wb.dispose()
    code, out, _ = run("keys", "rotate")
    assert code == 0 and "active key is now k3; 3 members re-encrypted" in out
