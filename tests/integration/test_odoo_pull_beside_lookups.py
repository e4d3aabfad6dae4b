"""On SQLite, a member look-up while an Odoo pull writes waits for the pull's short write
transaction and succeeds (it used to fail with "database is locked"): the pull takes the write
lock up front and holds it for at most WRITE_ROWS rows at a time."""

from __future__ import annotations

import threading
import time

import pytest

from tests.fixtures_odoo import add_order, add_partner
from workbench.crm import pull as pull_module
from workbench.permissions.access import Purpose


@pytest.fixture
def on_sqlite(wb) -> None:
    if not wb.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's single writer is what this test is about")


def test_a_lookup_while_a_pull_writes_waits_and_succeeds(
    wb, world, odoo, sync, on_sqlite, monkeypatch
):
    for serial in range(1, 8):
        add_order(odoo, add_partner(odoo, serial), 10.0 * serial)
    monkeypatch.setattr(pull_module, "WRITE_ROWS", 2)  # a page of 3 in two transactions
    writing = threading.Event()
    transactions: list[int] = []
    admit = wb.registry.admit

    def slow_admit(session, **kwargs):
        """Admits as usual, then holds the pull's write transaction open a while."""
        admitted = admit(session, **kwargs)
        transactions.append(len(kwargs["applications"]))
        writing.set()
        time.sleep(0.6)
        return admitted

    monkeypatch.setattr(wb.registry, "admit", slow_admit)
    reports = []
    puller = threading.Thread(target=lambda: reports.append(sync.pull(actor=world.staff["admin"])))
    puller.start()
    try:
        assert writing.wait(10)
        started = time.monotonic()
        view = wb.access.view(world.staff["sales_own"], world.member_no, Purpose.SERVICE)
        waited = time.monotonic() - started
    finally:
        puller.join(30)

    assert view.member_no == world.member_no and view.shown("name")
    assert waited > 0.1  # it queued behind the pull's write lock instead of failing
    (report,) = reports
    assert report.outcome == "ok" and report.failures == []
    assert report.counts["members_created"] == 7 and report.counts["purchases_created"] == 7
    assert max(transactions) <= 2  # no transaction wrote more than WRITE_ROWS partners
