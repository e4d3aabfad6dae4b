"""Points behave like money (issue 23): one member's points change in one transaction at a time,
expired points are never spendable, limits hold under concurrency, the database refuses a
negative balance, and SQLite never answers `database is locked`. On both backends."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tests.conftest import START
from tests.factories import application
from tests.interleave import interleave
from workbench.errors import InsufficientPoints, LimitExceeded
from workbench.members.models import PointsBalance, PointsEntry, PointsKind
from workbench.usecases.base import UnitOfWork

RACERS = 16  # processes redeeming the same member's points at the same moment
ROUNDS = 4


# Helpers -------------------------------------------------------------------------------------
def new_member(wb, people, points: int = 0) -> tuple[str, int]:
    """An approved member holding `points` (credited now); (member_no, id)."""
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.apply(session, application=application(), actor=people.sales)
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        if points:
            wb.ledger.credit(session, member_id=member.id, kind=PointsKind.ACTIVITY, points=points)
        return member.member_no, member.id


def ledger_of(wb, member_id: int) -> tuple[int, int]:
    """(stored balance, sum of the lines), read in a fresh transaction."""
    with wb.sessions() as session:
        lines = session.scalar(
            select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
                PointsEntry.member_id == member_id
            )
        )
        return wb.ledger.stored_balance(session, member_id), int(lines)


def assert_every_balance_is_the_sum_of_its_lines(wb) -> None:
    with wb.sessions() as session:
        sums = dict(
            session.execute(
                select(PointsEntry.member_id, func.sum(PointsEntry.points)).group_by(
                    PointsEntry.member_id
                )
            ).all()
        )
        stored = dict(session.execute(select(PointsBalance.member_id, PointsBalance.balance)).all())
    assert {m: s for m, s in stored.items() if s or m in sums} == {
        m: int(s) for m, s in sums.items()
    }
    assert all(balance >= 0 for balance in stored.values())


def redeem(wb, member_no: str, reward_code: str = "gift-100", quantity: int = 1) -> None:
    with UnitOfWork(wb.sessions).write() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.redeem(session, member=member, reward_code=reward_code, quantity=quantity)


# Two sessions, interleaved ---------------------------------------------------------------------
def test_the_second_session_waits_for_the_first_and_sees_its_debit(wb, people):
    """A redeems its 1,000 points and holds its transaction open; B then tries the same. With
    the member's lock, B cannot pass the check until A commits, and then sees A's debit."""
    member_no, member_id = new_member(wb, people, 1000)

    def first(session) -> None:
        member = wb.registry.get(session, member_no)
        wb.ledger.redeem(session, member=member, reward_code="gift-100")

    seen = interleave(wb, first, lambda: redeem(wb, member_no))
    assert str(seen.second) == "needs 1000 points; the balance is 0"
    assert seen.second_after_first  # B's check ran only once A had committed
    assert ledger_of(wb, member_id) == (0, 0)


# Many processes at once ------------------------------------------------------------------------
_racer: dict[str, object] = {}


def _start_racer(url: str, keys: str, barrier) -> None:
    from workbench.bootstrap import build
    from workbench.clock import FixedClock
    from workbench.crypto import Keyring
    from workbench.settings import load_settings

    settings = load_settings(database_url=url, keys_file="/nonexistent/keys.json")
    _racer["wb"] = build(settings, clock=FixedClock(START), keyring=Keyring.from_json(keys, "test"))
    _racer["barrier"] = barrier


def _race(task: tuple[str, str, int]) -> str:
    """One till: waits for every other, then redeems; what happened, as a word."""
    member_no, reward_code, quantity = task
    wb = _racer["wb"]
    _racer["barrier"].wait(60)  # type: ignore[attr-defined]
    try:
        redeem(wb, member_no, reward_code, quantity)
    except InsufficientPoints:
        return "insufficient"
    except LimitExceeded:
        return "limit"
    except Exception as exc:  # reported, and failed on, by the test
        return f"{type(exc).__name__}: {exc}"
    return "ok"


@contextmanager
def racers(wb, keyring) -> Iterator:
    """RACERS processes, each with its own workbench, released together by a barrier: each
    worker blocks at the barrier with its one task, so the RACERS tasks of a round go to RACERS
    different processes."""
    context = multiprocessing.get_context("forkserver")  # no fork of this threaded process
    context.set_forkserver_preload(
        ["workbench.bootstrap", "tests.integration.test_points_concurrency"]
    )
    barrier = context.Barrier(RACERS)
    with context.Pool(
        RACERS,
        initializer=_start_racer,
        initargs=(wb.settings.database_url, keyring.to_json(), barrier),
    ) as pool:
        yield pool


def test_racing_tills_spend_only_what_there_is_within_the_daily_limit(wb, people, keyring):
    """Each round, RACERS processes redeem 1,000 points from a balance of 3,500 at once:
    exactly three succeed, the rest are refused for the balance (none sees a locked
    database), and the balance ends at 500, the sum of the lines. Then the daily limit:
    30,000 points, a limit of 10,000, RACERS tills each redeeming 3,000 at once: three
    succeed (9,000), the others are refused for the limit. (One test: starting the processes
    is the slow part.)"""
    assert wb.ledger.redeem_daily_limit == 10_000
    with racers(wb, keyring) as pool:
        for _ in range(ROUNDS):
            member_no, member_id = new_member(wb, people, 3500)
            results = pool.map(_race, [(member_no, "gift-100", 1)] * RACERS, chunksize=1)
            assert sorted(results) == ["insufficient"] * (RACERS - 3) + ["ok"] * 3, results
            assert ledger_of(wb, member_id) == (500, 500)
        member_no, member_id = new_member(wb, people, 30_000)
        results = pool.map(_race, [(member_no, "gift-100", 3)] * RACERS, chunksize=1)
        assert sorted(results) == ["limit"] * (RACERS - 3) + ["ok"] * 3, results
        assert ledger_of(wb, member_id) == (21_000, 21_000)
    assert_every_balance_is_the_sum_of_its_lines(wb)


def test_purchases_and_redemptions_racing_on_threads_lose_nothing(wb, people):
    """Purchases and redemptions of one member from eight threads: every purchase counted,
    never below zero, the stored balance the sum of the lines."""
    member_no, member_id = new_member(wb, people, 0)
    start = threading.Barrier(8)
    failures: list[str] = []

    def till(n: int) -> None:
        start.wait(10)
        for _ in range(5):
            try:
                if n % 2:
                    with UnitOfWork(wb.sessions).write() as session:
                        member = wb.registry.get(session, member_no)
                        wb.ledger.record_purchase(
                            session, member=member, amount=Decimal("600"), store_id=1
                        )
                else:
                    redeem(wb, member_no, "voucher-50")
            except InsufficientPoints:
                pass
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=till, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    stored, lines = ledger_of(wb, member_id)
    with wb.sessions() as session:
        redeemed = session.scalar(
            select(func.count()).where(
                PointsEntry.member_id == member_id, PointsEntry.kind == PointsKind.REDEMPTION
            )
        )
    assert stored == lines == 20 * 600 - redeemed * 500 >= 0


# Expired points --------------------------------------------------------------------------------
def test_expired_points_are_never_spendable(wb, people, clock):
    """100 live points and 1,000 that expired two days ago (the nightly job has not run): the
    balance is 100, a redemption of 1,000 is refused, one of 100... is made of the live points,
    and the expiry recorded is the 1,000 that expired, not what the redemption took."""
    member_no, member_id = new_member(wb, people, 1000)
    expiry = START.replace(year=START.year + 2)
    clock.set(expiry - timedelta(days=30))
    with UnitOfWork(wb.sessions).write() as session:
        wb.ledger.credit(session, member_id=member_id, kind=PointsKind.ACTIVITY, points=200)
    clock.set(expiry + timedelta(days=2))
    with wb.sessions() as session:
        assert wb.ledger.balance(session, member_id) == 200
    with pytest.raises(InsufficientPoints, match="needs 1000 points; the balance is 200"):
        redeem(wb, member_no, "gift-100")
    redeem(wb, member_no, "voucher-20")  # the 200 live points
    with UnitOfWork(wb.sessions).write() as session:
        assert wb.ledger.expire_due(session) == 0  # the redemption recorded the expiry first
        kinds = [(e.kind, e.points) for e in wb.ledger.history(session, member_id)]
        assert wb.ledger.balance(session, member_id) == 0
    assert sorted(kinds) == sorted(
        [
            (PointsKind.ACTIVITY, 1000),
            (PointsKind.ACTIVITY, 200),
            (PointsKind.EXPIRY, -1000),
            (PointsKind.REDEMPTION, -200),
        ]
    )
    assert ledger_of(wb, member_id) == (0, 0)


def test_the_nightly_job_records_what_already_holds(wb, people, clock):
    member_no, member_id = new_member(wb, people, 1000)
    redeem(wb, member_no, "voucher-20")
    clock.set(START.replace(year=START.year + 2) + timedelta(hours=1))
    with wb.sessions() as session:
        assert wb.ledger.balance(session, member_id) == 0
    with UnitOfWork(wb.sessions).write() as session:
        assert wb.ledger.expire_due(session) == 800
    with UnitOfWork(wb.sessions).write() as session:
        assert wb.ledger.expire_due(session) == 0
    assert ledger_of(wb, member_id) == (0, 0)


# The database's own refusal --------------------------------------------------------------------
def test_the_database_refuses_a_negative_balance(wb, people):
    _member_no, member_id = new_member(wb, people, 300)
    with wb.sessions() as session, pytest.raises(IntegrityError, match="(?i)check"):
        session.execute(
            update(PointsBalance)
            .where(PointsBalance.member_id == member_id)
            .values(balance=PointsBalance.balance - 301)
        )
        session.flush()
    _other_no, other_id = new_member(wb, people, 0)  # no balance row yet
    with wb.sessions() as session, pytest.raises(IntegrityError, match="(?i)check"):
        session.add(PointsBalance(member_id=other_id, balance=-1, updated_at=START))
        session.flush()
    assert ledger_of(wb, member_id) == (300, 300)


def test_balance_rows_are_opened_from_existing_lines(wb, people):
    """A member whose lines were written before the balance table existed gets a row holding
    their sum at their first movement."""
    member_no, member_id = new_member(wb, people, 0)
    with wb.sessions() as session:
        session.add(
            PointsEntry(
                member_id=member_id,
                kind=PointsKind.ACTIVITY,
                points=700,
                occurred_at=START,
                expires_at=START + timedelta(days=700),
            )
        )
        session.commit()
    redeem(wb, member_no, "voucher-50")
    assert ledger_of(wb, member_id) == (200, 200)


def test_the_migration_opens_balances_from_the_lines(wb, people):
    """Upgrading a database whose lines the old, unlocked redeem left below zero: every member
    gets a balance row holding the sum of their lines, and the one below zero a correcting line
    (expired at once, so never spendable) that brings it to zero."""
    from workbench.db.migrate import downgrade, upgrade

    rich_no, rich_id = new_member(wb, people, 1200)
    _poor_no, poor_id = new_member(wb, people, 1000)
    wb.engine.dispose()
    downgrade(wb.engine, "0010")
    with wb.engine.begin() as connection:
        connection.execute(
            PointsEntry.__table__.insert(),
            [
                {
                    "member_id": poor_id,
                    "kind": "redemption",
                    "points": -1000,
                    "detail": "",
                    "occurred_at": START,
                },
                {
                    "member_id": poor_id,
                    "kind": "redemption",
                    "points": -1000,
                    "detail": "",
                    "occurred_at": START,
                },
            ],
        )
    upgrade(wb.engine)
    assert ledger_of(wb, rich_id) == (1200, 1200)
    assert ledger_of(wb, poor_id) == (0, 0)
    with wb.sessions() as session:
        assert wb.ledger.balance(session, poor_id) == 0
        [correction] = [e for e in wb.ledger.history(session, poor_id) if e.kind == "adjustment"]
        assert correction.points == 1000 and "below zero" in correction.detail
    redeem(wb, rich_no, "gift-100")
    assert ledger_of(wb, rich_id) == (200, 200)
    assert_every_balance_is_the_sum_of_its_lines(wb)
