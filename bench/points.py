"""Points at the till: purchases and redemptions per second with concurrent tills, against a
floor of the same transaction shape; and one purchase's latency with a large registry.

    python bench/points.py [--backend sqlite|postgresql|both] [--tills 20] [--seconds 5]
        [--registry 1000000] [--sqlite-registry 1000000] [--operations 2000] [--keep]

Tills: `--tills` processes (released together by a barrier) record purchases, or redeem, for
`--seconds`, each on a member of its own ("distinct") or all on ONE member ("one"). A purchase
is the till desk's `record_purchase` (card presented, receipt, points at the member's tier, the
balance shown after it); a redemption is `PointsLedger.redeem` of a 200-point voucher inside
`UnitOfWork.write()`, the card presented. The floor is the same transaction shape on a bare
table through the database driver alone: read the balance row (FOR UPDATE on PostgreSQL; BEGIN
IMMEDIATE on SQLite), insert a line, update the balance, commit. Ratio = rate / floor.

Registry: `--registry` members (cards, a purchase and its points, a balance each) made in the
database itself (INSERT … SELECT over a generated series: rows as wide as real ones, every
member sharing one set of encrypted fields), then `--operations` purchases and as many
redemptions one after the other on random members: p50, p99, max. The till's target is a
purchase's p99 under 20 ms. `--keep` keeps the PostgreSQL registry database for the next run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import (  # noqa: E402
    Connection,
    String,
    Table,
    cast,
    create_engine,
    func,
    insert,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col  # noqa: E402

from bench._common import PG_ADMIN_URL, fresh_database, machine, percentile  # noqa: E402
from workbench.bootstrap import Workbench, build  # noqa: E402
from workbench.clock import SystemClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.db.engine import refresh_planner_statistics  # noqa: E402
from workbench.db.migrate import upgrade  # noqa: E402
from workbench.demo import bulk  # noqa: E402
from workbench.members.models import (  # noqa: E402
    Member,
    MemberCard,
    PointsBalance,
    PointsEntry,
    Purchase,
    Role,
    Staff,
    Store,
    StoreKind,
)
from workbench.members.points import add_years  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.usecases.base import UnitOfWork  # noqa: E402

REWARD = "voucher-20"  # 200 points
AMOUNT = "128.50"
CHUNK = 100_000  # registry rows per INSERT … SELECT
TILL_POINTS = 100_000_000  # each till member's balance: never the limit in a run
REGISTRY_POINTS = 1000
KEPT_REGISTRY = "workbench_bench_points_registry"
MS = 1000


def bench_settings(url: str):
    """The daily redemption limit (10,000 points) would stop a till on one member after 50
    vouchers: it is still checked on every redemption, but set out of reach."""
    return load_settings(database_url=url, members_redeem_daily_limit=10**12)


# Members made by the database itself ------------------------------------------------------------
def _series(connection: Connection, low: int, high: int):
    """The integers low..high as a FROM clause with one column, i."""
    if connection.dialect.name == "postgresql":
        return select(func.generate_series(low, high).label("i")).subquery("n")
    start = select(literal(low).label("i")).cte("n", recursive=True)
    return start.union_all(select(start.c.i + 1).where(start.c.i < high))


def _generate(connection: Connection, table: Table, low: int, high: int, values: dict) -> None:
    """INSERT … SELECT a row for each i in low..high: `values` maps a column to a constant or
    to a function of i; other columns take their default (or NULL)."""
    n = _series(connection, low, high)
    columns = []
    for column in table.columns:
        value = values.get(column.name, ...)
        if value is ...:
            default = column.default
            value = (
                getattr(default, "arg", None) if default is not None and default.is_scalar else None
            )
            if value is None and not column.nullable:
                raise ValueError(f"{table.name}.{column.name}: no value for a NOT NULL column")
        if callable(value):
            columns.append(value(n.c.i))
        else:
            columns.append(null() if value is None else literal(value, type_=column.type))
    names = [column.name for column in table.columns]
    connection.execute(insert(table).from_select(names, select(*columns).select_from(n)))


def _digits(prefix: str, offset: int) -> Callable:
    return lambda i: literal(prefix, String) + cast(i + offset, String)


def member_no(i: int) -> str:
    return f"M{200_000_000 + i}"


def card_no(prefix: str, i: int) -> str:
    return f"{prefix}{10**11 + i}"  # the till looks a card up; it does not check its Luhn digit


def make_members(wb: Workbench, store_id: int, count: int, points: int) -> float:
    """Members 1..count, active, each with a card, one purchase, its points and a balance;
    the seconds it took."""
    now = wb.clock.now()
    joined, bought = now - timedelta(days=400), now - timedelta(days=30)
    cipher = wb.cipher
    person = {
        "name": "王小明",
        "phone": "+8613900000000",
        "id_number": "11010119900315003X",
        "email": "member@example.com",
        "address": "上海市浦东新区张江路100号",
        "birthday": "1990-03-15",
    }
    members = {
        "id": lambda i: i,
        "member_no": _digits("M", 200_000_000),
        "status": "active",
        "store_id": store_id,
        "channel": "store",
        "tier_code": wb.scheme.base.code,
        "gender": "M",
        "birth_month_day": "0315",
        **{f"{field}_enc": cipher.encrypt(field, value) for field, value in person.items()},
        "phone_bidx": _digits("p", 0),
        "id_number_bidx": _digits("n", 0),
        "submitted_at": joined,
        "reviewed_at": joined,
        "joined_at": joined,
    }
    cards = {
        "id": lambda i: i,
        "member_id": lambda i: i,
        "card_no": _digits(wb.settings.members_card_prefix, 10**11),
        "status": "active",
        "issued_at": joined,
        "activated_at": joined,
    }
    purchases = {
        "id": lambda i: i,
        "member_id": lambda i: i,
        "store_id": store_id,
        "amount": Decimal("100.00"),
        "occurred_at": bought,
        "points_earned": points,
    }
    lines = {
        "id": lambda i: i,
        "member_id": lambda i: i,
        "kind": "purchase",
        "points": points,
        "occurred_at": bought,
        "expires_at": add_years(bought, wb.settings.members_points_expiry_years),
        "purchase_id": lambda i: i,
        "detail": "",
    }
    balances = {"member_id": lambda i: i, "balance": points, "version": 1, "updated_at": now}
    tables = [
        (bulk.table_of(Member), members),
        (bulk.table_of(MemberCard), cards),
        (bulk.table_of(Purchase), purchases),
        (bulk.table_of(PointsEntry), lines),
        (bulk.table_of(PointsBalance), balances),
    ]
    started = time.perf_counter()
    for low in range(1, count + 1, CHUNK):
        high = min(count, low + CHUNK - 1)
        with wb.engine.begin() as connection:
            for table, values in tables:
                _generate(connection, table, low, high, values)
        print(f"  … {high:,} members", file=sys.stderr, flush=True)
    with wb.engine.begin() as connection:
        bulk.reset_sequences(connection, [table for table, _ in tables[:4]])
    seconds = time.perf_counter() - started
    refresh_planner_statistics(wb.sessions)
    if wb.engine.dialect.name == "postgresql":
        with wb.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CHECKPOINT"))  # not inside the measurement
    else:
        with wb.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return seconds


def add_till(wb: Workbench) -> tuple[int, str]:
    """A store and its sales clerk; (store id, clerk's username)."""
    with wb.sessions() as session:
        store = Store(code="SH01", name="门店 SH01", kind=StoreKind.DIRECT)
        session.add(store)
        session.flush()
        session.add(
            Staff(
                username="till",
                display_name="till",
                role=Role.SALES,
                store_id=store.id,
                created_at=wb.clock.now(),
            )
        )
        session.commit()
        assert store.id is not None
        return store.id, "till"


def staff_named(wb: Workbench, username: str) -> Staff:
    with wb.sessions() as session:
        staff = session.scalar(select(Staff).where(col(Staff.username) == username))
        assert staff is not None
        session.expunge(staff)
        return staff


# One till's operations -----------------------------------------------------------------------
class Till:
    """What one till does, on the workbench's path and on the floor's."""

    def __init__(self, wb: Workbench, clerk: Staff) -> None:
        self.wb = wb
        self.clerk = clerk
        self.uow = UnitOfWork(wb.sessions)
        self.prefix = wb.settings.members_card_prefix
        self.receipts = 0
        self.floor = _floor_connection(wb.settings.database_url)

    def purchase(self, member: int) -> None:
        self.receipts += 1
        receipt = f"R{os.getpid()}-{self.receipts}"
        till = getattr(self.wb.usecases, "till", None)
        if till is not None:
            till.record_purchase(self.clerk, card_no(self.prefix, member), AMOUNT, receipt)
            return
        with self.uow.write() as session:  # what the till desk does, where it is not built yet
            found = self.wb.registry.find_by_card(session, card_no(self.prefix, member))
            assert found is not None
            self.wb.ledger.record_purchase(
                session,
                member=found[0],
                amount=Decimal(AMOUNT),
                store_id=self.clerk.store_id or 0,
                staff_id=self.clerk.id,
                card_no=card_no(self.prefix, member),
            )

    def redeem(self, member: int) -> None:
        with self.uow.write() as session:
            found = self.wb.registry.find_by_card(session, card_no(self.prefix, member))
            assert found is not None
            self.wb.ledger.redeem(
                session,
                member=found[0],
                reward_code=REWARD,
                staff_id=self.clerk.id,
                card_no=card_no(self.prefix, member),
            )

    def bare(self, member: int) -> None:
        """The floor: the same shape of transaction on a bare table, by the driver alone."""
        self.floor(member)


def _floor_connection(url: str) -> Callable[[int], None]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        import psycopg

        conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        pg = psycopg.connect(conninfo)

        def on_postgresql(member: int) -> None:
            with pg.cursor() as cursor:
                cursor.execute(
                    "SELECT balance FROM floor_balance WHERE member_id = %s FOR UPDATE", (member,)
                )
                cursor.fetchone()
                cursor.execute(
                    "INSERT INTO floor_line (member_id, points, occurred_at) "
                    "VALUES (%s, %s, now())",
                    (member, 10),
                )
                cursor.execute(
                    "UPDATE floor_balance SET balance = balance + %s, version = version + 1, "
                    "updated_at = now() WHERE member_id = %s",
                    (10, member),
                )
            pg.commit()

        return on_postgresql
    db = sqlite3.connect(parsed.database or "", timeout=15.0, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=15000"):
        db.execute(f"PRAGMA {pragma}")

    def on_sqlite(member: int) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.execute("SELECT balance FROM floor_balance WHERE member_id = ?", (member,)).fetchone()
        db.execute(
            "INSERT INTO floor_line (member_id, points, occurred_at) "
            "VALUES (?, ?, datetime('now'))",
            (member, 10),
        )
        db.execute(
            "UPDATE floor_balance SET balance = balance + ?, version = version + 1, "
            "updated_at = datetime('now') WHERE member_id = ?",
            (10, member),
        )
        db.execute("COMMIT")

    return on_sqlite


def make_floor_tables(wb: Workbench, members: int) -> None:
    postgres = wb.engine.dialect.name == "postgresql"
    serial = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
    stamp = "TIMESTAMPTZ" if postgres else "TEXT"
    with wb.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE floor_balance (member_id INTEGER PRIMARY KEY, balance BIGINT NOT NULL "
            f"CHECK (balance >= 0), version INTEGER NOT NULL, updated_at {stamp} NOT NULL)"
        )
        connection.exec_driver_sql(
            f"CREATE TABLE floor_line (id {serial}, member_id INTEGER NOT NULL "
            "REFERENCES floor_balance (member_id), points INTEGER NOT NULL, "
            f"occurred_at {stamp} NOT NULL)"
        )
        connection.exec_driver_sql("CREATE INDEX ix_floor_line_member ON floor_line (member_id)")
        now = "now()" if postgres else "datetime('now')"
        for member in range(1, members + 1):
            connection.exec_driver_sql(
                f"INSERT INTO floor_balance VALUES ({member}, {TILL_POINTS}, 0, {now})"
            )


# Concurrent tills --------------------------------------------------------------------------------
_worker: dict[str, Any] = {}


def _start_till(url: str, keys: str, clerk: str, barrier) -> None:
    wb = build(bench_settings(url), clock=SystemClock(), keyring=Keyring.from_json(keys, "bench"))
    _worker["till"] = Till(wb, staff_named(wb, clerk))
    _worker["barrier"] = barrier


def _run_till(task: tuple[str, int, float]) -> tuple[float, float, list[float], dict[str, int]]:
    """One till: one operation to warm up, then, once every till is ready, as many as it can
    for `seconds`; (start, end, latencies, errors by type)."""
    kind, member, seconds = task
    till: Till = _worker["till"]
    operation: Callable[[int], None] = getattr(till, kind)
    operation(member)
    _worker["barrier"].wait(300)
    errors: Counter[str] = Counter()
    latencies: list[float] = []
    started = time.time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        begun = time.perf_counter()
        try:
            operation(member)
        except Exception as exc:  # counted and shown: a till must never see one
            errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            continue
        latencies.append(time.perf_counter() - begun)
    return started, time.time(), latencies, dict(errors)


@contextmanager
def tills(url: str, keyring: Keyring, clerk: str, count: int) -> Iterator[Any]:
    context = multiprocessing.get_context("forkserver")  # no fork of a process with threads
    context.set_forkserver_preload(["workbench.bootstrap"])
    barrier = context.Barrier(count)
    with context.Pool(
        count, initializer=_start_till, initargs=(url, keyring.to_json(), clerk, barrier)
    ) as pool:
        yield pool


def rate(pool, kind: str, members: list[int], seconds: float) -> dict[str, Any]:
    results = pool.map(_run_till, [(kind, m, seconds) for m in members], chunksize=1)
    latencies = sorted(t for _, _, lats, _ in results for t in lats)
    errors: Counter[str] = Counter()
    for *_, found in results:
        errors.update(found)
    window = max(end for _, end, _, _ in results) - min(start for start, _, _, _ in results)
    return {
        "ops": len(latencies),
        "seconds": window,
        "per_s": len(latencies) / window,
        "p50": percentile(latencies, 0.5) * MS if latencies else float("nan"),
        "p99": percentile(latencies, 0.99) * MS if latencies else float("nan"),
        "errors": sum(errors.values()),
        "first_error": next(iter(errors), ""),
    }


def bench_tills(backend: str, count: int, seconds: float) -> list[str]:
    rows = []
    with fresh_database(backend) as url:
        keyring = Keyring.generate()
        wb = build(bench_settings(url), clock=SystemClock(), keyring=keyring)
        store_id, clerk = add_till(wb)
        make_members(wb, store_id, count + 1, TILL_POINTS)
        make_floor_tables(wb, count + 1)
        wb.dispose()
        distinct, one = list(range(1, count + 1)), [count + 1] * count
        with tills(url, keyring, clerk, count) as pool:
            for spread, members in (("distinct", distinct), ("one", one)):
                floor = rate(pool, "bare", members, seconds)
                for kind, label in (("purchase", "purchases"), ("redeem", "redemptions")):
                    got = rate(pool, kind, members, seconds)
                    row = (
                        f"| {backend} | {label} | {spread} | {count} | {got['ops']:,} | "
                        f"{got['per_s']:,.0f} | {floor['per_s']:,.0f} | "
                        f"{got['per_s'] / floor['per_s']:.2f} | {got['p50']:.1f} | "
                        f"{got['p99']:.1f} | {floor['p99']:.1f} | {got['errors']} |"
                    )
                    print(row, flush=True)
                    if got["errors"] or floor["errors"]:
                        print(f"  first error: {got['first_error'] or floor['first_error']}")
                    rows.append(row)
    return rows


# One purchase with a large registry -----------------------------------------------------------
@contextmanager
def registry_database(backend: str, members: int, keep: bool) -> Iterator[tuple[str, bool]]:
    """(url, whether it holds the registry already): a fresh database, or on PostgreSQL with
    `keep` the kept one, made again if it holds another number of members."""
    if backend == "sqlite" or not keep:
        with fresh_database(backend) as url:
            yield url, False
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    url = make_url(PG_ADMIN_URL).set(database=KEPT_REGISTRY).render_as_string(hide_password=False)
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": KEPT_REGISTRY}
        )
    ready = False
    if exists:
        probe = create_engine(url)
        with probe.connect() as connection:
            ready = connection.scalar(text("SELECT count(*) FROM member")) == members
        probe.dispose()
        if not ready:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{KEPT_REGISTRY}" WITH (FORCE)'))
    if not ready:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{KEPT_REGISTRY}"'))
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
    admin.dispose()
    yield url, ready


def bench_registry(backend: str, members: int, operations: int, keep: bool) -> str:
    with registry_database(backend, members, keep) as (url, ready):
        keyring = Keyring.generate()
        if ready:
            keyring = Keyring.from_json(Path(f"/tmp/{KEPT_REGISTRY}.keys").read_text(), "bench")
        wb = build(bench_settings(url), clock=SystemClock(), keyring=keyring)
        fill = "kept"
        if not ready:
            store_id, _ = add_till(wb)
            fill = f"{make_members(wb, store_id, members, REGISTRY_POINTS):.0f}"
            if keep and backend == "postgresql":
                Path(f"/tmp/{KEPT_REGISTRY}.keys").write_text(keyring.to_json())
        till = Till(wb, staff_named(wb, "till"))
        rng = random.Random(23)
        timings: dict[str, list[float]] = {"purchase": [], "redeem": []}
        for kind, times in timings.items():
            for member in rng.sample(range(1, members + 1), operations):
                begun = time.perf_counter()
                getattr(till, kind)(member)
                times.append(time.perf_counter() - begun)
            times.sort()
        wb.dispose()
    p, r = timings["purchase"], timings["redeem"]
    return (
        f"| {backend} | {members:,} | {fill} | {operations:,} | {percentile(p, 0.5) * MS:.1f} | "
        f"{percentile(p, 0.99) * MS:.1f} | {p[-1] * MS:.1f} | {percentile(r, 0.5) * MS:.1f} | "
        f"{percentile(r, 0.99) * MS:.1f} | {r[-1] * MS:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--tills", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--registry", type=int, default=1_000_000, help="members, PostgreSQL")
    parser.add_argument("--sqlite-registry", type=int, default=1_000_000, help="members, SQLite")
    parser.add_argument("--operations", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL registry")
    parser.add_argument("--skip-tills", action="store_true")
    parser.add_argument("--skip-registry", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    if not args.skip_tills:
        print(
            "| backend | till work | members | tills | done | per s | floor per s | ratio "
            "| p50 ms | p99 ms | floor p99 ms | errors |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for backend in backends:
            bench_tills(backend, args.tills, args.seconds)
    if not args.skip_registry:
        print(
            "| backend | members | fill s | operations | purchase p50 ms | p99 ms | max ms "
            "| redemption p50 ms | p99 ms | max ms |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for backend in backends:
            size = args.registry if backend == "postgresql" else args.sqlite_registry
            print(bench_registry(backend, size, args.operations, args.keep), flush=True)


if __name__ == "__main__":
    main()
