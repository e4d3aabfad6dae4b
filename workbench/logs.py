"""Logging set-up. Log lines name staff and member ids, never personal data; as a second line
of defence a filter masks anything that looks like a mobile number, ID number or e-mail.

Two formats with the same fields: text lines for a person, or JSON lines (time, level, logger,
event, staff_id, request_id, call_id, and the traceback where there is one) for a collector.
The ids come from `log_context`, set where a request, a call or a signed-in person starts.
The log file rotates by size, one rotation for every process that writes it."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import logging.handlers
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from workbench.masking.fields import mask_email, mask_id_number

_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def redact(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _EMAIL.sub(lambda m: mask_email(m.group(0)), text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted record, traceback included: an exception's text may quote
    the values a statement was given."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class OneLineFormatter(RedactingFormatter):
    """The console's: the message without its traceback, which goes to the log file only (a
    command or a screen shows an incident id instead)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


LogFormat = Literal["text", "json"]
CONTEXT_FIELDS = ("staff_id", "request_id", "call_id")
_context: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("log_context")


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    """Every record logged inside the block (in this thread or task) carries these ids
    (staff_id, request_id, call_id); None leaves one out."""
    known = {k: v for k, v in ids.items() if k in CONTEXT_FIELDS}
    if len(known) != len(ids):
        raise ValueError(f"log context takes only {', '.join(CONTEXT_FIELDS)}")
    token = _context.set(
        {**current_context(), **{k: str(v) for k, v in known.items() if v is not None}}
    )
    try:
        yield
    finally:
        _context.reset(token)


def bind_context(**ids: object) -> None:
    """Like `log_context`, for the rest of this thread or task (a command's signed-in person)."""
    _context.set({**current_context(), **{k: str(v) for k, v in ids.items() if v is not None}})


def clear_context() -> None:
    _context.set({})


def current_context() -> dict[str, str]:
    return dict(_context.get({}))


class AddContext(logging.Filter):
    """Puts the context's ids on the record (empty where not set), for either format."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_context()
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name, ""))
        ids = " ".join(f"{n}={getattr(record, n)}" for n in CONTEXT_FIELDS if getattr(record, n))
        record.context = f" [{ids}]" if ids else ""
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line, the text format's fields, redacted like it."""

    def __init__(self, *, traceback: bool = True) -> None:
        super().__init__()
        self.traceback = traceback

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": redact(record.getMessage()),
            "process": record.process,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, "") or current_context().get(name, "")
            entry[name] = value or None
        if self.traceback and record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        elif self.traceback and record.exc_text:
            entry["traceback"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False)


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-rotated log file that several processes write at once (the webhook workers,
    every browser session's `workbench tui`, the scheduler): the stock handler counts only its
    own process's writes, so each process rotated on its own count, renaming files the others
    still wrote to and rotating away lines. Here the size is the file's on disk, a rollover is
    done under an exclusive lock on the log's folder after checking again (one process
    rotates; the others find the file already new), and a process whose file another one
    rotated opens the new file before writing."""

    _identity: tuple[int, int] | None = None
    _pending = 0  # bytes of the record that asked for a rollover

    def _open(self) -> io.TextIOWrapper:
        stream = super()._open()
        info = os.fstat(stream.fileno())
        self._identity = (info.st_dev, info.st_ino)
        return stream

    def _on_disk(self) -> os.stat_result | None:
        try:
            return os.stat(self.baseFilename)
        except OSError:
            return None

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is not None:
            info = self._on_disk()
            if info is None or (info.st_dev, info.st_ino) != self._identity:
                self.stream.close()  # rotated (or removed) by another process: the new file
                self.stream = None  # reopened by FileHandler.emit
        super().emit(record)

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802  # the base's
        if self.maxBytes <= 0:
            return False
        info = self._on_disk()
        if info is None or info.st_size == 0:
            return False
        self._pending = len(
            (self.format(record) + self.terminator).encode(self.encoding or "utf-8")
        )
        return info.st_size + self._pending >= self.maxBytes

    def doRollover(self) -> None:  # noqa: N802  # the base's name
        with _exclusive(os.path.dirname(self.baseFilename)):
            info = self._on_disk()
            if info is not None and info.st_size and info.st_size + self._pending >= self.maxBytes:
                super().doRollover()  # still due: nobody rotated meanwhile
            elif (
                self.stream is None or info is None or self._identity != (info.st_dev, info.st_ino)
            ):
                if self.stream is not None:
                    self.stream.close()
                self.stream = self._open()  # another process rotated it: write to the new one


@contextmanager
def _exclusive(folder: str) -> Iterator[None]:
    """An exclusive lock between processes on `folder` (flock on the directory itself: no lock
    file beside the logs); none where the platform has no fcntl."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one process per log file there
        yield
        return
    descriptor = os.open(folder or ".", os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing lets go of the lock


FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s%(context)s: %(message)s"
CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s"


def configure_logging(
    level: str = "WARNING",
    *,
    file: Path | None = None,
    console: bool = True,
    fmt: LogFormat = "text",
    max_bytes: int = 5_000_000,
    backup_count: int = 3,
) -> Path | None:
    """Console lines for the operator; the log file, where given, also takes every error's
    traceback (the screen and the command show only its incident id), rotating past
    `max_bytes` with `backup_count` older files kept. `fmt="json"`: JSON lines on both.
    Returns the file used, or None where it cannot be written (then errors go to the console
    only)."""
    if fmt not in ("text", "json"):
        raise ValueError(f"log format {fmt!r}: text or json")
    handlers: list[logging.Handler] = []
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(
            JsonLinesFormatter(traceback=False)
            if fmt == "json"
            else OneLineFormatter(CONSOLE_FORMAT)
        )
        stream.addFilter(AddContext())
        stream.addFilter(RedactPersonalData())
        stream.setLevel(level.upper())
        handlers.append(stream)
    written = None
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            to_file = SharedRotatingFileHandler(
                file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
            )
        except OSError:
            to_file = None
        if to_file is not None:
            to_file.setFormatter(
                JsonLinesFormatter() if fmt == "json" else RedactingFormatter(FORMAT)
            )
            to_file.addFilter(AddContext())
            to_file.addFilter(RedactPersonalData())
            to_file.setLevel(min(logging.INFO, logging.getLevelName(level.upper())))
            handlers.append(to_file)
            written = file
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(min(h.level for h in handlers) if handlers else level.upper())
    return written


def log_file() -> Path | None:
    """The file the root logger writes to, if any."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None
