"""Anchors: signed checkpoints of the audit chain's head kept outside the database.

Whoever can write the database can delete rows at the end, move the head back or empty the log;
nothing inside the database can show that. An anchor is one JSON line appended to a file beside
the key file (owner-only): the head's sequence number and hash, when, where sealed entries start,
and an HMAC over them with the audit key. `verify` checks the chain against every anchor, so a
chain shorter than, or different from, what was anchored is reported. Anchors may also be copied
to syslog, a sink the database's writers do not control.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workbench.crypto.fields import b64_digest
from workbench.errors import WorkbenchError

log = logging.getLogger(__name__)

SYSLOG_PRIORITY = 4 * 8 + 6  # facility auth, severity info


def anchor_mac(key: bytes, seq: int, hash_: str, at: str, key_version: str, keyed_from: int) -> str:
    content = json.dumps(["anchor", seq, hash_, at, key_version, keyed_from], separators=(",", ":"))
    return b64_digest(hmac.new(key, content.encode(), hashlib.sha256).digest())


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # ISO 8601, UTC
    key_version: str
    keyed_from: int
    line: int = 0  # its line in the file (1 = first), for the report

    def to_line(self, key: bytes) -> str:
        mac = anchor_mac(key, self.seq, self.hash, self.at, self.key_version, self.keyed_from)
        doc = {
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at,
            "key": self.key_version,
            "keyed_from": self.keyed_from,
            "mac": mac,
        }
        return json.dumps(doc, separators=(",", ":"))


@dataclass(frozen=True)
class AnchorReading:
    """What the anchor file holds: its genuine anchors, and a problem for each line that is not."""

    path: Path
    exists: bool
    anchors: tuple[Anchor, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def latest(self) -> Anchor | None:
        return max(self.anchors, key=lambda a: (a.seq, a.line)) if self.anchors else None


class AnchorFile:
    """Appends anchors (file mode 0600, fsync'ed) and reads them back, checking each signature."""

    def __init__(self, path: Path, *, syslog: str = "") -> None:
        self.path = path
        self.syslog = syslog  # "": none; "local": /dev/log; "HOST:PORT": UDP

    def append(self, anchor: Anchor, key: bytes) -> None:
        line = anchor.to_line(key)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.fchmod(fd, 0o600)  # a file someone loosened is tightened again
                os.write(fd, (line + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as error:
            raise WorkbenchError(
                f"cannot write the audit anchor file {self.path}: {error.strerror}; check the "
                "folder exists and this user may write it (setting [audit] anchor_file)"
            ) from None
        if self.syslog:
            self._to_syslog(line)

    def read(self, keys: Mapping[str, bytes]) -> AnchorReading:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return AnchorReading(self.path, exists=False)
        except OSError as error:
            raise WorkbenchError(
                f"cannot read the audit anchor file {self.path}: {error.strerror}"
            ) from None
        anchors: list[Anchor] = []
        problems: list[str] = []
        where = f"the anchor file {self.path}"
        for number, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                doc = json.loads(raw)
                anchor = Anchor(
                    int(doc["seq"]),
                    str(doc["hash"]),
                    str(doc["at"]),
                    str(doc["key"]),
                    int(doc["keyed_from"]),
                    number,
                )
                mac = str(doc["mac"])
            except (ValueError, KeyError, TypeError):
                problems.append(f"line {number} of {where} is not an anchor (it was edited)")
                continue
            key = keys.get(anchor.key_version)
            if key is None:
                problems.append(
                    f"line {number} of {where} is signed with audit key {anchor.key_version!r}, "
                    "which the key file does not hold"
                )
                continue
            expected = anchor_mac(
                key, anchor.seq, anchor.hash, anchor.at, anchor.key_version, anchor.keyed_from
            )
            if not hmac.compare_digest(expected, mac):
                problems.append(
                    f"line {number} of {where} was edited: its signature does not match"
                )
                continue
            anchors.append(anchor)
        return AnchorReading(self.path, True, tuple(anchors), tuple(problems))

    def _to_syslog(self, line: str) -> None:
        """A copy for a sink outside this machine's database (RFC 3164, facility auth, one
        datagram). A failure is logged only: the file is the anchor `verify` reads."""
        message = f"<{SYSLOG_PRIORITY}>workbench-audit: anchor {line}".encode()
        try:
            if self.syslog == "local":
                with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as unix:
                    unix.connect("/dev/log")
                    unix.send(message)
            else:
                host, _, port = self.syslog.rpartition(":")
                family, kind, _, _, address = socket.getaddrinfo(
                    host.strip("[]"), int(port), type=socket.SOCK_DGRAM
                )[0]
                with socket.socket(family, kind) as udp:
                    udp.sendto(message, address)
        except (OSError, ValueError) as error:
            log.warning("audit anchor not sent to syslog %s: %s", self.syslog, error)
