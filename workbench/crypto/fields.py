"""AES-256-GCM for personal fields and HMAC-SHA256 blind indexes.

A stored value reads `<key id>:<base64 of nonce + ciphertext + tag>`; the field's name is bound
in as associated data, so a value copied into another column fails to decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from workbench.crypto.keyring import Keyring
from workbench.errors import KeyringError

NONCE_BYTES = 12


class FieldCipher:
    def __init__(self, keyring: Keyring) -> None:
        self._active_id = keyring.active_key_id
        self._aeads = {key_id: AESGCM(key) for key_id, key in keyring.data_keys.items()}

    @property
    def active_key_id(self) -> str:
        return self._active_id

    @overload
    def encrypt(self, field: str, plaintext: str) -> str: ...
    @overload
    def encrypt(self, field: str, plaintext: str | None) -> str | None: ...
    def encrypt(self, field: str, plaintext: str | None) -> str | None:
        """None stays None (an empty optional field), so a value in gives a value out."""
        if plaintext is None:
            return None
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aeads[self._active_id].encrypt(nonce, plaintext.encode(), field.encode())
        return f"{self._active_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    @overload
    def decrypt(self, field: str, stored: str) -> str: ...
    @overload
    def decrypt(self, field: str, stored: str | None) -> str | None: ...
    def decrypt(self, field: str, stored: str | None) -> str | None:
        if stored is None:
            return None
        key_id, sep, body = stored.partition(":")
        if not sep:  # not a ciphertext at all; the value may be personal data: never echo it
            raise KeyringError(f"{field}: stored value is not encrypted")
        aead = self._aeads.get(key_id)
        if aead is None:
            shown = key_id if len(key_id) <= 8 and key_id.isalnum() else "?"
            raise KeyringError(
                f"{field} was encrypted with key {shown!r}, which the key file lacks"
            )
        try:
            raw = base64.b64decode(body)
            return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
        except (InvalidTag, ValueError):
            raise KeyringError(f"{field}: stored value is damaged or was moved") from None

    def needs_rotation(self, stored: str | None) -> bool:
        return stored is not None and not stored.startswith(f"{self._active_id}:")


def b64_digest(raw: bytes) -> str:
    """Digests are stored as base64url, not hex: long runs of hex digits look like phone and ID
    numbers to the scanners that check our files for personal data in clear."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class BlindIndex:
    """Keyed hash of a normalised value: equal inputs match, the index reveals nothing else."""

    def __init__(self, keyring: Keyring) -> None:
        self._key = keyring.index_key

    def digest(self, kind: str, normalised: str) -> str:
        mac = hmac.new(self._key, f"{kind}\x00{normalised}".encode(), hashlib.sha256)
        return b64_digest(mac.digest()[:16])
