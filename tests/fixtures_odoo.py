"""A local Odoo peer and a workbench whose Odoo sync points at it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import SecretStr

from tests.factories import fake_id_number, fake_phone
from tests.peers.odoo_peer import OdooPeer
from workbench.bootstrap import build_odoo_sync
from workbench.usecases import build_usecases

# The peer's own clock: a day before the workbench's FixedClock (2026-03-02 01:00 UTC), so the
# pull's overlap window (300 s before now) does not reach back to it unless a test moves it.
PEER_START = datetime(2026, 3, 1, 1, 0)


class PeerClock:
    """Odoo's transaction time: every call is stamped 1 ms after the one before (so calls within
    one second share it, as in a busy Odoo), or frozen when a test wants a crowded second."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.step = timedelta(milliseconds=1)

    def __call__(self) -> datetime:
        self.at += self.step
        return self.at

    def jump(self, **kwargs) -> None:
        self.at += timedelta(**kwargs)


@pytest.fixture
def odoo():
    with OdooPeer() as peer:
        peer.clock = PeerClock(PEER_START)
        yield peer


def odoo_settings(wb, odoo: OdooPeer, **overrides):
    values = dict(
        odoo_host="127.0.0.1",
        odoo_port=odoo.port,
        odoo_database="odoo",
        odoo_login="sync",
        odoo_password=SecretStr("secret"),
        odoo_batch_size=3,
        odoo_id_number_field="x_id_number",
    )
    return wb.settings.model_copy(update={**values, **overrides})


@pytest.fixture
def sync(wb, world, odoo):
    """The workbench's Odoo sync against the peer; small pages, so paging is exercised."""
    return reconfigure(wb, odoo)


def reconfigure(wb, odoo, **overrides):
    """Points the workbench at the peer: a new sync, and use cases built with it."""
    wb.settings = odoo_settings(wb, odoo, **overrides)
    wb.odoo = build_odoo_sync(
        wb.settings, wb.clock, wb.engine, wb.sessions, wb.registry, wb.ledger, wb.audit
    )
    wb.usecases = build_usecases(wb, wb.telephony)
    return wb.odoo


SERIALS = 70_000  # apart from the numbers tests.factories hands out


def partner_phone(serial: int) -> str:
    return fake_phone(SERIALS + serial)


def partner_id_number(serial: int) -> str:
    return fake_id_number(birthday="19850607", serial=SERIALS + serial)


def add_partner(odoo: OdooPeer, serial: int, *, with_id: bool = False, **values) -> int:
    """A member contact in Odoo with a clearly fake mainland mobile (and ID number)."""
    fields = dict(
        name=f"会员{serial}",
        mobile=partner_phone(serial),
        email=f"m{serial}@example.com",
        street="上海市浦东新区张江路1号",
        membership_state="paid",
        is_company=False,
    )
    if with_id:
        fields["x_id_number"] = partner_id_number(serial)
    fields.update(values)
    return odoo.add("res.partner", **fields)


def add_order(
    odoo: OdooPeer,
    partner_id: int,
    amount: float,
    *,
    model: str = "sale.order",
    state: str | None = None,
    when: str = "2026-02-20 03:00:00",
) -> int:
    state = state or ("sale" if model == "sale.order" else "paid")
    count = len(odoo.tables[model].rows) + 1
    return odoo.add(
        model,
        name=f"{model[:3].upper()}{count:05d}",
        partner_id=partner_id,
        amount_total=amount,
        state=state,
        date_order=when,
    )


@pytest.fixture
def odoo_cli_env(monkeypatch, odoo):
    """The CLI's environment pointing at the peer (as an operator's would)."""
    for name, value in {
        "HOST": "127.0.0.1",
        "PORT": str(odoo.port),
        "DATABASE": "odoo",
        "LOGIN": "sync",
        "PASSWORD": "secret",
        "BATCH_SIZE": "3",
    }.items():
        monkeypatch.setenv(f"WORKBENCH_ODOO_{name}", value)
