"""The key file: data keys by id (one active, older ones kept to read old values), the
blind-index key, the backup key and the audit keys (by version, one active: they seal the audit
chain and its anchors). Read from WORKBENCH_KEYS_KEYRING or the key file, never from the config."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import KeyringError

KEY_BYTES = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise KeyringError(f"key file: {what} is not base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"key file: {what} must be {KEY_BYTES} bytes")
    return raw


@dataclass
class Keyring:
    active_key_id: str
    data_keys: dict[str, bytes]
    index_key: bytes
    backup_key: bytes
    source: str = field(default="", compare=False)
    # Audit keys by version ("a1", "a2", …); empty in a key file made before they existed.
    audit_keys: dict[str, bytes] = field(default_factory=dict)
    active_audit_key: str = ""

    @classmethod
    def generate(cls) -> Keyring:
        return cls(
            "k1",
            {"k1": secrets.token_bytes(KEY_BYTES)},
            index_key=secrets.token_bytes(KEY_BYTES),
            backup_key=secrets.token_bytes(KEY_BYTES),
            audit_keys={"a1": secrets.token_bytes(KEY_BYTES)},
            active_audit_key="a1",
        )

    def rotated(self) -> Keyring:
        """A keyring with a new active data key; old keys stay so old values can be read."""
        numbers = [int(k[1:]) for k in self.data_keys if k[1:].isdigit()]
        new_id = f"k{max(numbers, default=0) + 1}"
        keys = {**self.data_keys, new_id: secrets.token_bytes(KEY_BYTES)}
        rotated = Keyring(new_id, keys, self.index_key, self.backup_key, self.source)
        return rotated.with_audit_keys(*self.rotated_audit_keys())

    def rotated_audit_keys(self) -> tuple[dict[str, bytes], str]:
        """The audit keys with a new active version; old versions stay so old entries verify."""
        numbers = [int(k[1:]) for k in self.audit_keys if k[1:].isdigit()]
        new_id = f"a{max(numbers, default=0) + 1}"
        return {**self.audit_keys, new_id: secrets.token_bytes(KEY_BYTES)}, new_id

    def with_audit_keys(self, keys: dict[str, bytes], active: str) -> Keyring:
        return dataclasses.replace(self, audit_keys=dict(keys), active_audit_key=active)

    @property
    def audit_key(self) -> tuple[str, bytes]:
        """The active audit key's version and bytes."""
        if not self.active_audit_key:
            raise KeyringError(
                f"the key file {self.source or 'in use'} has no audit key: add one with "
                "`workbench audit rotate-key` (or `workbench keys rotate`)"
            )
        return self.active_audit_key, self.audit_keys[self.active_audit_key]

    def to_json(self) -> str:
        doc: dict[str, object] = {
            "version": 1,
            "active": self.active_key_id,
            "data_keys": {k: _b64(v) for k, v in self.data_keys.items()},
            "index_key": _b64(self.index_key),
            "backup_key": _b64(self.backup_key),
        }
        if self.audit_keys:
            doc["audit_active"] = self.active_audit_key
            doc["audit_keys"] = {k: _b64(v) for k, v in self.audit_keys.items()}
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str, source: str) -> Keyring:
        try:
            doc = json.loads(text)
            active = doc["active"]
            keys = {k: _unb64(v, f"data key {k}") for k, v in doc["data_keys"].items()}
            index_key = _unb64(doc["index_key"], "index key")
            backup_key = _unb64(doc["backup_key"], "backup key")
            audit_keys = {
                k: _unb64(v, f"audit key {k}") for k, v in doc.get("audit_keys", {}).items()
            }
            audit_active = doc.get("audit_active", "")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise KeyringError(f"{source} is not a workbench key file") from None
        if not isinstance(active, str) or active not in keys:
            raise KeyringError(f"{source}: the active key {active!r} is not in the file")
        if audit_keys and audit_active not in audit_keys:
            raise KeyringError(
                f"{source}: the active audit key {audit_active!r} is not in the file"
            )
        return cls(active, keys, index_key, backup_key, source, audit_keys, audit_active)

    def save(self, path: Path) -> None:
        write_private_file(path, self.to_json())


def write_private_file(path: Path, text: str) -> None:
    """Write atomically with owner-only permissions (keys, terminal credentials).

    The temporary file is always new (mkstemp creates it 0600): reusing a left-over one would
    keep that file's permissions, since a mode given to open() applies only on creation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def load_keyring(*, inline_json: str | None, path: Path) -> Keyring:
    if inline_json:
        return Keyring.from_json(inline_json, "WORKBENCH_KEYS_KEYRING")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyringError(
            f"no key file at {path}: run `workbench keys init` (or set WORKBENCH_KEYS_KEYRING)"
        ) from None
    keyring = Keyring.from_json(text, str(path))
    refuse_loose_file(path)
    return keyring


def refuse_loose_file(path: Path) -> None:
    """A key file others may read is refused (its keys may already have been copied)."""
    if os.name != "posix":
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyringError(
            f"the key file {path} can be read by others (mode {mode:o}): run `chmod 600 {path}`"
            " and check who may have copied it"
        )
