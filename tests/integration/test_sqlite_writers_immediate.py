"""SQLite never answers `database is locked` (issue 23, point 4) for the writers outside the
ledger: Twilio's status callback for a message we sent, the sign-in audit (a refused and a
successful sign-in), and the Odoo pull's writes. Each starts an immediate transaction, so while
another process holds the write lock it waits (up to [database] busy_timeout_seconds) and then
succeeds; a lock held past that is DatabaseBusy, a message a person can act on, never the
driver's OperationalError."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from tests.fixtures_odoo import add_order, add_partner
from workbench.audit.models import AuditEntry
from workbench.crm import cursor
from workbench.db.engine import sqlite_file
from workbench.db.failures import DatabaseBusy
from workbench.members.models import Role
from workbench.messaging.models import OutboxMessage
from workbench.permissions.auth import SignInRefused
from workbench.settings import load_settings

BUSY = 1.0  # the workbench's busy timeout in these tests, seconds
MOMENT = 0.4  # a lock held this long is waited for
PAST = BUSY + 2.0  # a lock held this long outlasts the wait
PASSWORD = "correct horse"


@pytest.fixture
def db_url(tmp_path, sqlite_template) -> str:
    """SQLite only: its single writer is what these tests are about."""
    path = tmp_path / "workbench.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(db_url, tmp_path):
    """The shared fixture's settings with a short busy timeout (the tests wait it out)."""
    return load_settings(
        database_url=db_url,
        keys_file=str(tmp_path / "keys.json"),
        database_busy_timeout_seconds=BUSY,
    )


@pytest.fixture
def holder(wb) -> Iterator[WriteLockHolder]:
    path = sqlite_file(wb.engine)
    assert path is not None
    lock = WriteLockHolder(str(path))
    yield lock
    lock.close()


class WriteLockHolder:
    """Another writer: a plain sqlite3 connection that takes the write lock and lets it go after
    a while, from a timer thread."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.released = threading.Event()
        self._timer: threading.Timer | None = None

    def hold(self, seconds: float) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        self.released.clear()
        self._timer = threading.Timer(seconds, self.release)
        self._timer.start()

    def release(self) -> None:
        if not self.released.is_set():
            self.connection.execute("COMMIT")
            self.released.set()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.release()
        self.connection.close()


@contextmanager
def timed() -> Iterator[list[float]]:
    took: list[float] = []
    started = time.monotonic()
    try:
        yield took
    finally:
        took.append(time.monotonic() - started)


def assert_busy(raised: pytest.ExceptionInfo[DatabaseBusy], waited: float) -> None:
    assert not isinstance(raised.value, OperationalError)
    assert "the database is locked by another process" in str(raised.value)
    assert "busy_timeout_seconds" in str(raised.value)
    assert waited >= BUSY * 0.9  # it waited for the lock before giving up


# Twilio's status callback ----------------------------------------------------------------------
SID = "SM" + "7" * 32


@pytest.fixture
def sent_sms(wb, world) -> str:
    """The member's welcome SMS, as sent (Twilio's id on it)."""
    with wb.sessions() as session:
        message = session.scalar(select(OutboxMessage).where(col(OutboxMessage.channel) == "sms"))
        assert message is not None
        message.provider_id, message.status = SID, "sent"
        session.commit()
    return SID


def _status_of(wb, sid: str) -> str | None:
    with wb.sessions() as session:
        return session.scalar(
            select(col(OutboxMessage.status)).where(col(OutboxMessage.provider_id) == sid)
        )


def test_a_status_callback_waits_for_another_writer_then_records(wb, sent_sms, holder):
    holder.hold(MOMENT)
    with timed() as took:
        known = wb.usecases.replies.sms_status(sent_sms, "delivered")
    assert known is True
    assert took[0] >= MOMENT * 0.9 and holder.released.is_set()
    assert _status_of(wb, sent_sms) == "delivered"


def test_a_status_callback_past_the_busy_timeout_is_database_busy(wb, sent_sms, holder):
    holder.hold(PAST)
    with timed() as took, pytest.raises(DatabaseBusy) as raised:
        wb.usecases.replies.sms_status(sent_sms, "delivered")
    assert_busy(raised, took[0])
    holder.release()
    assert _status_of(wb, sent_sms) == "sent"  # nothing half-written: Twilio may post again


# Sign-in and its audit -------------------------------------------------------------------------
@pytest.fixture
def clerk(wb, people) -> str:
    with wb.sessions() as session:
        wb.staff.add(
            session,
            actor=people.admin,
            username="clerk",
            display_name="Clerk",
            role=Role.SALES,
            password=PASSWORD,
            store_code=people.store.code,
        )
        session.commit()
    return "clerk"


def _sign_in_audit(wb) -> list[str]:
    with wb.sessions() as session:
        rows = session.scalars(
            select(col(AuditEntry.result)).where(col(AuditEntry.action) == "sign_in")
        )
        return list(rows)


def test_sign_ins_wait_for_another_writer_and_are_audited(wb, clerk, holder):
    holder.hold(MOMENT)
    with timed() as refused_after, pytest.raises(SignInRefused):
        wb.usecases.sign_in.sign_in(clerk, "wrong password")
    assert refused_after[0] >= MOMENT * 0.9
    holder.hold(MOMENT)
    with timed() as took:
        signed_in = wb.usecases.sign_in.sign_in(clerk, PASSWORD)
    assert signed_in.staff.username == clerk and took[0] >= MOMENT * 0.9
    assert _sign_in_audit(wb) == ["denied", "ok"]


@pytest.mark.parametrize("password", [PASSWORD, "wrong password"], ids=["right", "wrong"])
def test_a_sign_in_past_the_busy_timeout_is_database_busy(wb, clerk, holder, password):
    holder.hold(PAST)
    with timed() as took, pytest.raises(DatabaseBusy) as raised:
        wb.usecases.sign_in.sign_in(clerk, password)
    assert_busy(raised, took[0])
    holder.release()
    assert _sign_in_audit(wb) == []  # neither a session nor an audit entry half-written


# The Odoo pull ---------------------------------------------------------------------------------
@pytest.fixture
def partners(odoo) -> None:
    for serial in range(1, 5):
        add_order(odoo, add_partner(odoo, serial), 10.0 * serial)


@pytest.fixture
def lock_before_first_page(holder, monkeypatch):
    """Another writer takes the lock once the pull has read its first page from Odoo, before
    the pull writes it; returns a function setting how long it holds it."""
    pages = cursor.pages
    held = {"seconds": 0.0, "done": False}

    def paged(*args, **kwargs):
        for page in pages(*args, **kwargs):
            if not held["done"]:
                held["done"] = True
                holder.hold(held["seconds"])
            yield page

    monkeypatch.setattr(cursor, "pages", paged)

    def hold_for(seconds: float) -> None:
        held["seconds"] = seconds

    return hold_for


def test_an_odoo_pull_waits_for_another_writer_then_goes_on(
    wb, world, odoo, sync, partners, holder, lock_before_first_page
):
    lock_before_first_page(MOMENT)
    with timed() as took:
        report = wb.usecases.odoo.pull(world.staff["admin"])
    assert holder.released.is_set() and took[0] >= MOMENT * 0.9
    assert report.outcome == "ok" and report.failures == []
    assert report.counts["members_created"] == 4 and report.counts["purchases_created"] == 4


def test_an_odoo_pull_past_the_busy_timeout_is_database_busy(
    wb, world, odoo, sync, partners, holder, lock_before_first_page
):
    lock_before_first_page(PAST)
    with timed() as took, pytest.raises(DatabaseBusy) as raised:
        wb.usecases.odoo.pull(world.staff["admin"])
    assert_busy(raised, took[0])
    holder.release()
    report = wb.usecases.odoo.pull(world.staff["admin"])  # the next run does it all
    assert report.outcome == "ok" and report.counts["members_created"] == 4


def test_an_odoo_pull_that_cannot_even_start_is_database_busy(wb, world, odoo, sync, holder):
    holder.hold(PAST)
    with timed() as took, pytest.raises(DatabaseBusy) as raised:
        wb.usecases.odoo.pull(world.staff["admin"])
    assert_busy(raised, took[0])
