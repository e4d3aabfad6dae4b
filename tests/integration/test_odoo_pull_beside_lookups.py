"""On SQLite, a member look-up while an Odoo pull writes waits for the pull's short write
transaction and succeeds (it used to fail with "database is locked"): the pull takes the write
lock up front and holds it for at most WRITE_ROWS rows at a time. Through a slow pull (Odoo
answering each page late), look-ups and sign-ins keep working (issue 19, item 9)."""

from __future__ import annotations

import threading
import time

import pytest

from tests.fixtures_odoo import add_order, add_partner
from workbench.crm import pull as pull_module
from workbench.members.models import Role
from workbench.permissions.access import Purpose

PASSWORD = "correct horse"


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


@pytest.mark.parametrize("write_rows", [200, 1], ids=["a-page-a-transaction", "back-to-back"])
def test_look_ups_and_sign_ins_keep_working_through_a_slow_pull(
    wb, world, odoo, sync, on_sqlite, monkeypatch, write_rows
):
    """Odoo answers each page late and each of the pull's write transactions holds the lock a
    while; look-ups and sign-ins begun while it is held wait and succeed ("back-to-back": a page
    written in several transactions one after the other, which must not starve them)."""
    for serial in range(1, 10):  # three pages of partners (batch size 3)
        add_order(odoo, add_partner(odoo, serial), 10.0 * serial)
    with wb.sessions() as session:
        wb.staff.add(
            session,
            actor=world.staff["admin"],
            username="desk",
            display_name="Desk",
            role=Role.AGENT,
            password=PASSWORD,
            store_code="HQ",
        )
        session.commit()

    def slow_page(model: str, method: str) -> None:
        """Odoo answers each page of partners late (a slow link, a busy server)."""
        if (model, method) == ("res.partner", "search_read"):
            time.sleep(0.3)

    odoo.on_call = slow_page
    monkeypatch.setattr(pull_module, "WRITE_ROWS", write_rows)
    in_write = threading.Event()  # the pull holds the write lock (a page's transaction)
    admit = wb.registry.admit

    def slow_admit(session, **kwargs):
        """Admits, keeping the transaction (and SQLite's write lock) open a while longer."""
        admitted = admit(session, **kwargs)
        in_write.set()
        time.sleep(0.4)
        in_write.clear()
        return admitted

    monkeypatch.setattr(wb.registry, "admit", slow_admit)
    done = threading.Event()
    reports, errors = [], []
    during = {"look-up": 0, "sign-in": 0}  # begun while the pull held the lock, and succeeded

    def pull() -> None:
        try:
            reports.append(wb.usecases.odoo.pull(world.staff["admin"]))
        finally:
            done.set()

    def look_up() -> None:
        view = wb.usecases.members.find_by_phone(world.staff["agent"], world.app.phone)
        assert view is not None and view.member_no == world.member_no

    def sign_in() -> None:
        assert wb.usecases.sign_in.sign_in("desk", PASSWORD).staff.username == "desk"

    def keep_doing(name: str, operation) -> None:
        while not done.is_set():
            if not in_write.wait(0.05):
                continue
            try:
                operation()
            except Exception as exc:  # any failure is the test's finding, not a crash
                errors.append((name, repr(exc)))
                return
            during[name] += 1

    workers = [
        threading.Thread(target=keep_doing, args=("look-up", look_up)),
        threading.Thread(target=keep_doing, args=("sign-in", sign_in)),
    ]
    puller = threading.Thread(target=pull)
    puller.start()
    for worker in workers:
        worker.start()
    puller.join(60)
    for worker in workers:
        worker.join(30)

    assert errors == []
    assert all(count >= 1 for count in during.values()), during
    (report,) = reports
    assert report.outcome == "ok" and report.failures == []
    assert report.counts["members_created"] == 9 and report.counts["purchases_created"] == 9
