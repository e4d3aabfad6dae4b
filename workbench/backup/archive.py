"""The encrypted backup file: a header line, then AES-GCM chunks.

Each chunk's associated data binds the header, its index and whether it is the last one, so a
backup that was cut short, reordered or spliced fails to decrypt instead of restoring half.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from workbench.errors import WorkbenchError

MAGIC = b"WORKBENCH-BACKUP-1\n"
CHUNK = 1 << 20
NONCE = 12


class BackupError(WorkbenchError):
    pass


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">Q?", index, last)


def write_encrypted(source: BinaryIO, target: BinaryIO, *, key: bytes, meta: dict[str, Any]) -> int:
    """Encrypt `source` into `target`; returns the plaintext size."""
    aead = AESGCM(key)
    header = json.dumps(meta, sort_keys=True).encode() + b"\n"
    target.write(MAGIC + header)
    index, total = 0, 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if chunk else b""
        last = not following
        nonce = os.urandom(NONCE)
        sealed = aead.encrypt(nonce, chunk, _aad(header, index, last))
        target.write(struct.pack(">I", len(sealed)) + nonce + sealed)
        total += len(chunk)
        if last:
            return total
        chunk, index = following, index + 1


def read_header(source: BinaryIO) -> tuple[dict[str, Any], bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("not a workbench backup file")
    header = source.readline()
    try:
        return json.loads(header), header
    except ValueError:
        raise BackupError("the backup header is damaged") from None


def read_decrypted(source: BinaryIO, *, key: bytes) -> Iterator[bytes]:
    """Yield plaintext chunks; raise BackupError on a wrong key or any damage."""
    _meta, header = read_header(source)
    aead = AESGCM(key)
    index = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) < 4:
            raise BackupError("the backup is cut short (no final chunk)")
        (size,) = struct.unpack(">I", size_bytes)
        nonce, sealed = source.read(NONCE), source.read(size)
        if len(sealed) < size:
            raise BackupError("the backup is cut short")
        for last in (False, True):
            try:
                plain = aead.decrypt(nonce, sealed, _aad(header, index, last))
                break
            except InvalidTag:
                continue
        else:
            raise BackupError("the backup does not decrypt: wrong backup key, or damaged file")
        yield plain
        if last:
            if source.read(1):
                raise BackupError("the backup has data after its final chunk")
            return
        index += 1
