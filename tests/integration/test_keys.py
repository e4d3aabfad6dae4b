"""`workbench keys init` and `rotate`: values stay readable and move to the new key."""

import pytest
from sqlalchemy import select

from tests.factories import application
from tests.member_traces import leave_traces, raw_text_values
from workbench.cli import main
from workbench.crypto import FieldCipher, load_keyring
from workbench.crypto.rotation import encrypted_columns, reencrypt_all
from workbench.db.tables import metadata


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


def _plain_values(wb, cipher) -> dict[tuple[str, str, int], str]:
    """Every encrypted value decrypted, by (table, column, row id)."""
    plain = {}
    with wb.sessions() as session:
        for table, columns in encrypted_columns(metadata.sorted_tables).items():
            extra = [c.field_from for c in columns if c.field_from is not None]
            rows = session.execute(select(table.c.id, *[c.column for c in columns], *extra))
            for row in rows:
                for c in columns:
                    stored = row._mapping[c.column.name]
                    if stored is not None:
                        key = (table.name, c.column.name, row.id)
                        plain[key] = cipher.decrypt(c.field_of(row), stored)
    return plain


def test_every_enc_column_is_marked_for_rotation():
    marked = {
        (table.name, c.column.name)
        for table, columns in encrypted_columns(metadata.sorted_tables).items()
        for c in columns
    }
    named = {
        (t.name, c.name)
        for t in metadata.sorted_tables
        for c in t.columns
        if c.name.endswith("_enc")
    }
    assert named == marked
    assert ("call", "from_enc") in marked and ("change_request", "new_value_enc") in marked


def test_rotate_reencrypts_every_encrypted_value_everywhere(cli_with_key_file, wb, world, keyring):
    run, key_file = cli_with_key_file
    keyring.save(key_file)  # the key file of the keys the test data is encrypted with
    leave_traces(wb, world)
    before = _plain_values(wb, FieldCipher(keyring))
    covered = {(table, column) for table, column, _ in before}
    assert len(covered) == sum(len(c) for c in encrypted_columns(metadata.sorted_tables).values())

    code, out, _ = run("keys", "rotate", "--batch-size", "100")
    assert code == 0 and "active key is now k2;" in out
    assert f"{len(before)} values re-encrypted" in out and "outbox_message" in out
    rotated = load_keyring(inline_json=None, path=key_file)
    assert rotated.active_key_id == "k2" and set(rotated.data_keys) == {"k1", "k2"}
    assert rotated.index_key == keyring.index_key  # the blind index stays valid

    # Nothing anywhere still carries the old key id, and every value reads the same.
    stale = {
        where: [v for v in values if v.startswith("k1:")]
        for where, values in raw_text_values(wb).items()
    }
    assert {where: v for where, v in stale.items() if v} == {}
    assert _plain_values(wb, FieldCipher(rotated)) == before
    with wb.sessions() as session:  # the blind index did not move
        assert wb.registry.find_by_phone(session, world.app.phone).member_no == world.member_no

    code, out, _ = run("keys", "reencrypt")
    assert code == 0 and "active key is now k2; 0 values re-encrypted (none)" in out
    code, out, _ = run("keys", "rotate")
    assert code == 0 and f"active key is now k3; {len(before)} values re-encrypted" in out


class Stopped(Exception):
    pass


def test_a_stopped_rotation_resumes_where_it_was(wb, world, keyring):
    for _ in range(4):
        with wb.sessions() as session:
            wb.registry.apply(session, application=application(), actor=world.staff["sales_own"])
            session.commit()
    before = _plain_values(wb, FieldCipher(keyring))
    cipher = FieldCipher(keyring.rotated())

    def stop_after_first_batch(table, done):
        raise Stopped(table)

    with pytest.raises(Stopped):
        reencrypt_all(
            wb.sessions,
            cipher,
            metadata.sorted_tables,
            batch_size=2,
            progress=stop_after_first_batch,
        )
    halfway = [v for v in raw_text_values(wb)[("member", "name_enc")]]
    assert sorted(v[:3] for v in halfway) == ["k1:", "k1:", "k1:", "k2:", "k2:"]

    report = reencrypt_all(wb.sessions, cipher, metadata.sorted_tables, batch_size=2)
    assert report.values["member"] == 3 * 6  # only what the first run left
    assert report.total == len(before) - 2 * 6
    assert _plain_values(wb, cipher) == before
    assert reencrypt_all(wb.sessions, cipher, metadata.sorted_tables).total == 0
