"""What a webhook's form and query may hold: each field Twilio sends has a format and a longest
length (Twilio's own: SIDs are two letters and 32 hex digits, numbers E.164 or a client/SIP
address, an SMS body at most 1600 characters), anything else is bounded too, and no value holds a
control character (PostgreSQL refuses NUL in text; none belongs in a header-like value). A value
outside these is a 400 with a reason naming the field, before any handler or database sees it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.webhooks.refusals import BadRequest

MAX_FIELDS = 200  # Twilio sends about 20-40; Add-ons a few more
MAX_NAME = 64
MAX_CALL_ID = 2**31 - 1  # the call table's integer key (PostgreSQL INTEGER)


@dataclass(frozen=True)
class Format:
    longest: int
    pattern: re.Pattern[str] | None = None  # the whole value, when its form is known
    what: str = ""  # said when the pattern does not match
    multiline: bool = False  # free text: tabs and line breaks allowed


SID = Format(34, re.compile(r"[A-Za-z0-9]*"), "a Twilio SID (letters and digits)")
ADDRESS = Format(128)  # +E.164, client:name, sip:user@host, whatsapp:+…, "anonymous"
STATUS = Format(32, re.compile(r"[a-z_-]*"), "a Twilio status word")
COUNT = Format(10, re.compile(r"-?[0-9]{0,9}"), "a whole number")
KEYS = Format(32, re.compile(r"[0-9A-Za-z*#]*"), "keypad digits")
OTHER = Format(8192, multiline=True)

FORMATS: dict[str, Format] = {
    **dict.fromkeys(
        (
            "CallSid",
            "AccountSid",
            "ParentCallSid",
            "DialCallSid",
            "RecordingSid",
            "MessageSid",
            "SmsSid",
            "SmsMessageSid",
            "MessagingServiceSid",
            "QueueSid",
            "ConferenceSid",
        ),
        SID,
    ),
    **dict.fromkeys(("From", "To", "Called", "Caller", "ForwardedFrom", "CalledVia"), ADDRESS),
    **dict.fromkeys(
        ("CallStatus", "DialCallStatus", "RecordingStatus", "MessageStatus", "SmsStatus"), STATUS
    ),
    **dict.fromkeys(
        (
            "CallDuration",
            "DialCallDuration",
            "RecordingDuration",
            "Duration",
            "QueuePosition",
            "QueueTime",
            "AvgQueueTime",
            "CurrentQueueSize",
            "NumMedia",
            "NumSegments",
        ),
        COUNT,
    ),
    "Digits": KEYS,
    "Body": Format(1600, multiline=True),
}

# C0 and C1 controls and DEL; tab, CR and LF are allowed in free text only.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_form(form: Mapping[str, str]) -> None:
    """Refuse (BadRequest) a form with a field Twilio would never send."""
    if len(form) > MAX_FIELDS:
        raise BadRequest(f"the form has more than {MAX_FIELDS} fields")
    for name, value in form.items():
        if len(name) > MAX_NAME or _CONTROL.search(name):
            raise BadRequest("the form has a field name that is not Twilio's")
        check_field(name, value)


def check_field(name: str, value: str) -> None:
    rule = FORMATS.get(name, OTHER)
    if len(value) > rule.longest:
        raise BadRequest(f"{name} is longer than {rule.longest} characters")
    controls = _CONTROL_BUT_LINES if rule.multiline else _CONTROL
    if controls.search(value):
        raise BadRequest(f"{name} contains a control character")
    if rule.pattern is not None and not rule.pattern.fullmatch(value):
        raise BadRequest(f"{name} is not {rule.what}")


def call_id(value: str) -> int:
    """The `?call=` of a URL the server handed Twilio: a call's id."""
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        raise BadRequest(f"call must be a call id (a whole number up to {MAX_CALL_ID})")
    number = int(value)
    if not 1 <= number <= MAX_CALL_ID:
        raise BadRequest(f"call must be a call id (a whole number up to {MAX_CALL_ID})")
    return number


def check_idempotency_token(value: str) -> None:
    """Twilio's I-Twilio-Idempotency-Token header (a status callback's key): printable ASCII."""
    if len(value) > 256 or not _TOKEN.fullmatch(value):
        raise BadRequest("I-Twilio-Idempotency-Token is not Twilio's (printable, 256 at most)")


_TOKEN = re.compile(r"[\x21-\x7e]*")
