"""Pure translations between Odoo's records and the workbench's terms: which fields to ask for,
a partner as a member application, the domain of members' confirmed orders, an order's amount
and time, and the service data written back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers

from workbench.crm.options import Domain, SyncOptions
from workbench.errors import InvalidPhoneNumber, ValidationError
from workbench.members.models import Channel
from workbench.members.registry import CheckedApplication, MemberApplication, check_application

SOURCE = "odoo"
PARTNER = "res.partner"
HELPDESK = "helpdesk.ticket"
HELPDESK_STAGE = "helpdesk.stage"
ODOO_TIME = "%Y-%m-%d %H:%M:%S"
CONTACT_FIELDS = ("name", "mobile", "phone", "email", "street", "street2", "city", "zip")
ORDER_FIELDS = ["partner_id", "amount_total", "date_order", "write_date"]
# What "confirmed" means per model (Odoo 17; `done` is a locked sale in older versions).
CONFIRMED_STATES = {"sale.order": ["sale", "done"], "pos.order": ["paid", "done", "invoiced"]}
# A confirmed order cancelled later: the points it earned are taken back.
CANCELLED_STATE = "cancel"
# Odoo 16+ pos.order: the orders a refund (a negative order) refunds.
REFUNDED_ORDERS = "refunded_order_ids"
# Service data the workbench owns, by the name of the setting naming its partner field.
SERVICE_DATA = ("tier", "points", "sms_opt_out", "email_opt_out", "do_not_call")
# Odoo Helpdesk priorities: 0 low … 3 urgent.
TICKET_PRIORITY = {"low": "0", "normal": "1", "high": "2", "urgent": "3"}

# A datum of the service data (tier code, points balance, opt-out flag; None: never written).
ServiceDatum = str | int | bool | None
# A record as Odoo's JSON-RPC answers it: untyped JSON, each field narrowed where it is read.
OdooRecord = dict[str, Any]


def partner_fields(available: Iterable[str], options: SyncOptions) -> list[str]:
    """The res.partner fields a pull asks for: contact data, the cursor's write_date, and the
    service fields (to notice someone changing them in Odoo); those Odoo has."""
    wanted = [*CONTACT_FIELDS, "write_date", "active", *options.service_fields.values()]
    if options.id_number_field:
        wanted.append(options.id_number_field)
    present = set(available)
    return [name for name in dict.fromkeys(wanted) if name in present]


def _text(row: OdooRecord, name: str) -> str:
    value = row.get(name)
    return value.strip() if isinstance(value, str) else ""


def partner_phones(row: OdooRecord, placeholders: frozenset[str] = frozenset()) -> list[str]:
    """The partner's numbers to try, in order: `mobile`, then `phone`; a placeholder (a number
    people type when they have none, [odoo] placeholder_phones) is no number."""
    numbers = [text for text in (_text(row, "mobile"), _text(row, "phone")) if text]
    return [text for text in numbers if _national_digits(text) not in placeholders]


def _national_digits(text: str) -> str:
    """A mainland number's 11 digits, with or without +86 / 0086 in front (others as typed)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


# Optional contact fields: one that fails validation is dropped (and listed), the member taken.
# (An address with control characters still refuses the partner: tests/integration/
# test_text_in_out.py.)
OPTIONAL_CONTACT = ("email",)


def partner_address(row: OdooRecord) -> str:
    return " ".join(
        _text(row, name) for name in ("street", "street2", "city", "zip") if _text(row, name)
    )


def lenient_partner_application(
    row: OdooRecord, options: SyncOptions
) -> tuple[CheckedApplication, list[ValidationError]]:
    """partner_application, dropping an optional field (OPTIONAL_CONTACT) that fails rather than
    refusing the partner: the application and what was dropped, and why."""
    dropped: list[ValidationError] = []
    while True:
        try:
            without = frozenset(exc.field for exc in dropped)
            return partner_application(row, options, without=without), dropped
        except ValidationError as exc:
            if exc.field not in OPTIONAL_CONTACT or exc.field in without:
                raise
            dropped.append(exc)


def partner_application(
    row: OdooRecord, options: SyncOptions, *, without: frozenset[str] = frozenset()
) -> CheckedApplication:
    """The partner as a checked member application, or a ValidationError naming the field (the
    registry's own rules: a mainland mobile, an ID number with a valid check character if there
    is one, a name, a well-formed e-mail). `mobile` is used unless it is not a mobile number
    and `phone` is; `without`: optional fields left out."""
    phones = partner_phones(row, options.placeholder_phones)
    if not phones and partner_phones(row):
        raise ValidationError(
            "phone",
            "its number is a placeholder ([odoo] placeholder_phones), not the member's: "
            "enter the member's own mobile in Odoo",
        )
    refused: list[InvalidPhoneNumber] = []
    for phone in phones or [""]:
        application = MemberApplication(
            name=_text(row, "name"),
            phone=phone,
            id_number=_text(row, options.id_number_field) if options.id_number_field else "",
            store_code=options.store_code,
            channel=Channel.STORE,
            email=(_text(row, "email") or None) if "email" not in without else None,
            address=(partner_address(row) or None) if "address" not in without else None,
        )
        try:
            return check_application(application, options.phone_region, id_required=False)
        except InvalidPhoneNumber as exc:
            refused.append(_foreign_refusal(phone) or exc)
    raise refused[0]  # at least one number was tried, and each one was refused


def _foreign_refusal(phone: str) -> InvalidPhoneNumber | None:
    """A number written with another country's code (+852 …) is taken when it is a valid
    mobile there; one that is not is refused in words about that country, not the mainland."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not phone.lstrip().startswith("+") or digits.startswith("86"):
        return None
    try:
        code = phonenumbers.parse(phone).country_code
    except phonenumbers.NumberParseException:  # not readable at all: the registry's words stand
        return None
    if code is None:
        return None
    region = phonenumbers.region_code_for_country_code(code)
    return InvalidPhoneNumber(
        f"not a valid mobile number of {region} (+{code}): a number written with + and a "
        "country code must be a mobile there"
    )


def master_data(name: str | None, phone: str | None, email: str | None, address: str | None) -> str:
    """The contact data Odoo owns, in one canonical text (to be digested, never stored)."""
    return json.dumps([name or "", phone or "", email or "", address or ""], ensure_ascii=False)


def member_order_domain(
    model: str, member_domain: Domain, *, with_cancelled: bool = False
) -> Domain:
    """Confirmed orders of partners that are members (and, `with_cancelled`, cancelled ones,
    whose points a pull takes back): the member domain seen through the order's partner_id
    (Odoo joins it), so other customers' orders are never fetched."""
    through_partner: Domain = [
        term if isinstance(term, str) else [f"partner_id.{term[0]}", term[1], term[2]]
        for term in member_domain
    ]
    states = [*CONFIRMED_STATES[model], *([CANCELLED_STATE] if with_cancelled else [])]
    return [["state", "in", states], *through_partner]


def many2one_id(value: Any) -> int | None:
    """search_read gives [id, name], read(load=_classic_write) a bare id, an empty one False."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def odoo_time(text: str) -> datetime:
    """Odoo's datetimes are UTC, without a zone, to the second."""
    if len(text) == 19 and text[10] == " " and text[4] == text[7] == "-" and text.isascii():
        # The shape ODOO_TIME gives, read by fromisoformat (strptime costs ~20 µs an order)
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            pass  # strptime's words below
    return datetime.strptime(text, ODOO_TIME).replace(tzinfo=UTC)


def order_amount(row: OdooRecord) -> Decimal:
    try:
        return Decimal(str(row.get("amount_total"))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError("amount_total", "not an amount") from None


def order_time(row: OdooRecord) -> datetime:
    text = row.get("date_order")
    if not isinstance(text, str) or not text:
        raise ValidationError("date_order", "the order has no date")
    try:
        return odoo_time(text[:19])
    except ValueError:
        raise ValidationError("date_order", "not a date and time") from None


def service_values(
    fields: dict[str, str], data: dict[str, ServiceDatum]
) -> dict[str, ServiceDatum]:
    """The partner fields to write: each service datum under the field its setting names."""
    return {fields[name]: data[name] for name in SERVICE_DATA if name in fields}


def ticket_name(complaint_no: str, category: str) -> str:
    return f"[{complaint_no}] {category}"
