"""What the Odoo sync is told by the settings: where Odoo is and how to log in, and how to
map and batch (built by bootstrap; plain data, no odoorpc)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# An Odoo search domain as the settings give it: [field, operator, value] terms and the prefix
# operators "&", "|", "!" (a value is any JSON the operator takes).
Domain = list[str | Sequence[Any]]


@dataclass(frozen=True)
class OdooConfig:
    host: str
    port: int
    protocol: str
    database: str
    login: str
    password: str = field(repr=False)  # never in a repr, a log line or a traceback
    timeout: float

    def missing(self) -> list[str]:
        named = {
            "[odoo] host": self.host,
            "[odoo] database": self.database,
            "[odoo] login": self.login,
            "WORKBENCH_ODOO_PASSWORD": self.password,
        }
        return [name for name, value in named.items() if not value]

    @property
    def where(self) -> str:
        scheme = "https" if self.protocol == "jsonrpc+ssl" else "http"
        return f"{scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class SyncOptions:
    store_code: str
    member_domain: Domain
    id_number_field: str
    order_models: tuple[str, ...]
    batch_size: int
    phone_region: str
    overlap_seconds: int = 300
    # service datum (tier, points, …) → the res.partner field it is written to
    service_fields: dict[str, str] = field(default_factory=dict)
    push_complaints: bool = True
    complaint_text: bool = False
    # workbench tier code → the value written to the tier field (not named: the code itself)
    tier_codes: dict[str, str] = field(default_factory=dict)
    # res.company ids synced; empty: the sync user's current company only
    company_ids: tuple[int, ...] = ()
    # mobile numbers (digits) that stand for "none"
    placeholder_phones: frozenset[str] = frozenset()
    # complaint category code → its label in the workbench's language (ticket names)
    category_labels: dict[str, str] = field(default_factory=dict)
    # complaint state → the name of the Helpdesk stage (helpdesk.stage) its ticket is put in
    ticket_stages: dict[str, str] = field(default_factory=dict)

    def tier_value(self, code: str | None) -> str | None:
        return self.tier_codes.get(code, code) if code is not None else None
