"""Logging set-up. Log lines name staff and member ids, never personal data; as a second line
of defence a filter masks anything that looks like a mobile number, ID number or e-mail."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

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


FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def configure_logging(
    level: str = "WARNING", *, file: Path | None = None, console: bool = True
) -> Path | None:
    """Console lines for the operator; the log file, where given, also takes every error's
    traceback (the screen and the command show only its incident id). Returns the file used,
    or None where it cannot be written (then errors go to the console only)."""
    handlers: list[logging.Handler] = []
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        stream.addFilter(RedactPersonalData())
        stream.setLevel(level.upper())
        handlers.append(stream)
    written = None
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.handlers.RotatingFileHandler(
                file, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
            )
        except OSError:
            to_file = None
        if to_file is not None:
            to_file.setFormatter(RedactingFormatter(FORMAT))
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
