"""Field encryption, key rotation and the blind index."""

import pytest

from workbench.crypto import BlindIndex, FieldCipher, Keyring, load_keyring
from workbench.errors import KeyringError


def test_round_trip_with_key_id_and_random_nonce():
    cipher = FieldCipher(Keyring.generate())
    first = cipher.encrypt("name", "王小明")
    assert first.startswith("k1:") and "王小明" not in first
    assert first != cipher.encrypt("name", "王小明")
    assert cipher.decrypt("name", first) == "王小明"
    assert cipher.encrypt("email", None) is None and cipher.decrypt("email", None) is None


def test_moved_or_tampered_values_do_not_decrypt():
    cipher = FieldCipher(Keyring.generate())
    stored = cipher.encrypt("phone", "+8613812345678")
    with pytest.raises(KeyringError, match="moved"):
        cipher.decrypt("email", stored)
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(KeyringError):
        cipher.decrypt("phone", tampered)


def test_rotation_keeps_old_values_readable():
    old = Keyring.generate()
    stored = FieldCipher(old).encrypt("name", "李雷")
    rotated = old.rotated()
    cipher = FieldCipher(rotated)
    assert rotated.active_key_id == "k2" and rotated.index_key == old.index_key
    assert cipher.decrypt("name", stored) == "李雷"
    assert cipher.needs_rotation(stored) and not cipher.needs_rotation(cipher.encrypt("name", "x"))
    with pytest.raises(KeyringError, match="k2"):
        FieldCipher(old).decrypt("name", cipher.encrypt("name", "x"))


def test_key_file_round_trip_and_errors(tmp_path):
    keyring = Keyring.generate()
    path = tmp_path / "keys.json"
    keyring.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_keyring(inline_json=None, path=path) == keyring
    assert load_keyring(inline_json=keyring.to_json(), path=tmp_path / "none") == keyring
    with pytest.raises(KeyringError, match="workbench keys init"):
        load_keyring(inline_json=None, path=tmp_path / "none.json")
    path.write_text("{}")
    with pytest.raises(KeyringError, match="not a workbench key file"):
        load_keyring(inline_json=None, path=path)


def test_blind_index_is_keyed_and_per_kind():
    keyring = Keyring.generate()
    index = BlindIndex(keyring)
    assert index.digest("phone", "+8613812345678") == index.digest("phone", "+8613812345678")
    assert index.digest("phone", "1") != index.digest("id_number", "1")
    assert BlindIndex(Keyring.generate()).digest("phone", "1") != index.digest("phone", "1")
    assert len(index.digest("phone", "1")) == 22  # 16 bytes as base64url, not hex
