"""Field encryption (AES-GCM bound to the field name), key rotation, the key file and the blind
index."""

import base64
import json
import os

import pytest

from workbench.crypto import BlindIndex, FieldCipher, Keyring, load_keyring
from workbench.errors import KeyringError


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generate()


@pytest.fixture
def cipher(keyring) -> FieldCipher:
    return FieldCipher(keyring)


# The key file ----------------------------------------------------------------------------------
def test_generated_keyring_round_trips_through_json(keyring):
    assert keyring.active_key_id == "k1"
    assert set(keyring.data_keys) == {"k1"}
    assert all(len(key) == 32 for key in keyring.data_keys.values())
    assert len(keyring.index_key) == 32 and len(keyring.backup_key) == 32
    again = Keyring.from_json(keyring.to_json(), "test")
    assert again == keyring
    assert again.source == "test"


def test_two_generated_keyrings_differ():
    first, second = Keyring.generate(), Keyring.generate()
    assert first.data_keys["k1"] != second.data_keys["k1"]
    assert first.index_key != second.index_key


def test_save_writes_an_owner_only_file(keyring, tmp_path):
    path = tmp_path / "secrets" / "keys.json"
    keyring.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_keyring(inline_json=None, path=path) == keyring


def test_save_over_a_readable_file_leaves_it_owner_only(keyring, tmp_path):
    path = tmp_path / "keys.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    keyring.save(path)
    assert path.stat().st_mode & 0o777 == 0o600


def test_save_is_owner_only_even_with_a_stale_temporary_file(keyring, tmp_path):
    """A left-over keys.tmp (e.g. from an interrupted copy) must not lend its permissions to the
    key file."""
    stale = tmp_path / "keys.tmp"
    stale.write_text("stale")
    os.chmod(stale, 0o644)
    keyring.save(tmp_path / "keys.json")
    assert (tmp_path / "keys.json").stat().st_mode & 0o777 == 0o600


def test_inline_json_wins_over_the_file(keyring, tmp_path):
    assert load_keyring(inline_json=keyring.to_json(), path=tmp_path / "absent.json") == keyring


def test_a_missing_key_file_says_to_run_keys_init(tmp_path):
    with pytest.raises(KeyringError, match="workbench keys init") as error:
        load_keyring(inline_json=None, path=tmp_path / "absent.json")
    assert "absent.json" in str(error.value)


def _doc(keyring: Keyring, **changes) -> str:
    doc = json.loads(keyring.to_json())
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        "not json",
        "[]",
        '{"active": "k1", "data_keys": [], "index_key": "", "backup_key": ""}',
    ],
)
def test_a_damaged_key_file_is_a_keyring_error(tmp_path, text):
    path = tmp_path / "keys.json"
    path.write_text(text)
    with pytest.raises(KeyringError, match="not a workbench key file"):
        load_keyring(inline_json=None, path=path)


def test_a_short_or_non_base64_key_is_a_keyring_error(keyring):
    with pytest.raises(KeyringError, match="index key"):
        Keyring.from_json(_doc(keyring, index_key=base64.b64encode(b"short").decode()), "t")
    with pytest.raises(KeyringError):
        Keyring.from_json(_doc(keyring, backup_key="***not base64***"), "t")


@pytest.mark.parametrize(
    "active", ["k9", 1, ["k1"], {"id": "k1"}], ids=["absent", "number", "list", "table"]
)
def test_a_wrong_active_key_is_a_keyring_error(keyring, active):
    with pytest.raises(KeyringError):
        Keyring.from_json(_doc(keyring, active=active), "keys.json")


# Field encryption ------------------------------------------------------------------------------
@pytest.mark.parametrize("plaintext", ["王小明", "+8613812345678", "", "a" * 1000, "😀 é"])
def test_encrypt_then_decrypt_gives_the_value_back(cipher, plaintext):
    stored = cipher.encrypt("name", plaintext)
    assert cipher.decrypt("name", stored) == plaintext


def test_none_stays_none(cipher):
    assert cipher.encrypt("email", None) is None
    assert cipher.decrypt("email", None) is None


def test_stored_value_names_its_key_and_hides_the_plaintext(cipher):
    plaintext = "110101199003071234"
    stored = cipher.encrypt("id_number", plaintext)
    assert stored.startswith("k1:")
    assert plaintext not in stored
    body = base64.b64decode(stored[3:])
    assert plaintext.encode() not in body


def test_the_same_value_encrypts_differently_each_time(cipher):
    first, second = cipher.encrypt("name", "李雷"), cipher.encrypt("name", "李雷")
    assert first != second
    assert cipher.decrypt("name", first) == cipher.decrypt("name", second) == "李雷"


def test_a_value_moved_to_another_field_does_not_decrypt(cipher):
    stored = cipher.encrypt("phone", "+8613812345678")
    with pytest.raises(KeyringError, match="moved"):
        cipher.decrypt("email", stored)


def _flip_one_byte(stored: str, position: int) -> str:
    key_id, _, body = stored.partition(":")
    raw = bytearray(base64.b64decode(body))
    raw[position] ^= 0x01
    return f"{key_id}:{base64.b64encode(bytes(raw)).decode()}"


@pytest.mark.parametrize("position", [0, 11, 12, -1])  # nonce, first ciphertext byte, tag
def test_a_tampered_value_does_not_decrypt(cipher, position):
    stored = cipher.encrypt("phone", "+8613812345678")
    with pytest.raises(KeyringError, match="damaged"):
        cipher.decrypt("phone", _flip_one_byte(stored, position))


@pytest.mark.parametrize("stored", ["k1:", "k1:AAAA", "k1:!!!not base64!!!"])
def test_a_truncated_or_garbled_value_does_not_decrypt(cipher, stored):
    with pytest.raises(KeyringError):
        cipher.decrypt("phone", stored)


def test_a_value_from_a_missing_key_names_that_key(cipher, keyring):
    stored = FieldCipher(keyring.rotated().rotated()).encrypt("name", "x")
    with pytest.raises(KeyringError, match="'k3'"):
        cipher.decrypt("name", stored)


@pytest.mark.parametrize(
    "clear", ["+8613812345678", "110101199003071234", "王小明"], ids=["phone", "id", "name"]
)
def test_a_value_stored_in_clear_is_refused_without_echoing_it(cipher, clear):
    """Errors are shown and logged: one about a value that is not a ciphertext at all (a column
    written without encryption) must not repeat that personal value."""
    with pytest.raises(KeyringError) as error:
        cipher.decrypt("phone", clear)
    assert clear not in str(error.value)


# Rotation --------------------------------------------------------------------------------------
def test_rotation_keeps_old_values_readable_and_encrypts_with_the_new_key(keyring):
    old_cipher = FieldCipher(keyring)
    old_value = old_cipher.encrypt("name", "李雷")
    rotated = keyring.rotated()
    assert rotated.active_key_id == "k2"
    assert rotated.data_keys["k1"] == keyring.data_keys["k1"]
    assert rotated.index_key == keyring.index_key and rotated.backup_key == keyring.backup_key
    assert keyring.active_key_id == "k1"  # the original is left alone

    cipher = FieldCipher(rotated)
    assert cipher.active_key_id == "k2"
    assert cipher.decrypt("name", old_value) == "李雷"
    new_value = cipher.encrypt("name", "李雷")
    assert new_value.startswith("k2:")
    assert cipher.needs_rotation(old_value)
    assert not cipher.needs_rotation(new_value)
    assert not cipher.needs_rotation(None)
    assert not old_cipher.needs_rotation(old_value)


def test_rotation_survives_the_key_file(keyring, tmp_path):
    rotated = keyring.rotated()
    rotated.save(tmp_path / "keys.json")
    loaded = load_keyring(inline_json=None, path=tmp_path / "keys.json")
    assert loaded == rotated
    assert loaded.rotated().active_key_id == "k3"


# Blind index -----------------------------------------------------------------------------------
def test_blind_index_is_deterministic(keyring):
    assert BlindIndex(keyring).digest("phone", "+8613812345678") == BlindIndex(keyring).digest(
        "phone", "+8613812345678"
    )


def test_blind_index_differs_per_kind_value_and_key(keyring):
    index = BlindIndex(keyring)
    digest = index.digest("phone", "+8613812345678")
    assert digest != index.digest("id_number", "+8613812345678")
    assert digest != index.digest("phone", "+8613812345679")
    assert digest != BlindIndex(Keyring.generate()).digest("phone", "+8613812345678")


def test_blind_index_survives_rotation_and_is_not_hex(keyring):
    digest = BlindIndex(keyring).digest("phone", "+8613812345678")
    assert BlindIndex(keyring.rotated()).digest("phone", "+8613812345678") == digest
    assert len(digest) == 22  # 16 bytes as unpadded base64url
    assert "+8613812345678" not in digest and "13812345678" not in digest
