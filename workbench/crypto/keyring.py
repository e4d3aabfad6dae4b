"""The key file: data keys by id (one active, older ones kept to read old values), the
blind-index key and the backup key. Read from WORKBENCH_KEYS_KEYRING or the key file, never
from the config."""

from __future__ import annotations

import base64
import contextlib
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

    @classmethod
    def generate(cls) -> Keyring:
        return cls(
            "k1",
            {"k1": secrets.token_bytes(KEY_BYTES)},
            index_key=secrets.token_bytes(KEY_BYTES),
            backup_key=secrets.token_bytes(KEY_BYTES),
        )

    def rotated(self) -> Keyring:
        """A keyring with a new active data key; old keys stay so old values can be read."""
        numbers = [int(k[1:]) for k in self.data_keys if k[1:].isdigit()]
        new_id = f"k{max(numbers, default=0) + 1}"
        keys = {**self.data_keys, new_id: secrets.token_bytes(KEY_BYTES)}
        return Keyring(new_id, keys, self.index_key, self.backup_key, self.source)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": 1,
                "active": self.active_key_id,
                "data_keys": {k: _b64(v) for k, v in self.data_keys.items()},
                "index_key": _b64(self.index_key),
                "backup_key": _b64(self.backup_key),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str) -> Keyring:
        try:
            doc = json.loads(text)
            active = doc["active"]
            keys = {k: _unb64(v, f"data key {k}") for k, v in doc["data_keys"].items()}
            index_key = _unb64(doc["index_key"], "index key")
            backup_key = _unb64(doc["backup_key"], "backup key")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise KeyringError(f"{source} is not a workbench key file") from None
        if not isinstance(active, str) or active not in keys:
            raise KeyringError(f"{source}: the active key {active!r} is not in the file")
        return cls(active, keys, index_key, backup_key, source)

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
    return Keyring.from_json(text, str(path))
