"""Audited member reads against their floor, one client and many (issue 21, goals 1 and 2).

The floor is a bare transaction of the same shape, measured in the same run on the same
database: select the member row by its blind index, insert one row the size of an audit entry,
commit. Two audited figures: `audit.record` is that same transaction with the real audit entry
(`AuditLog.record`: the chain, its head, the pending rows) in place of the bare insert, what
the chain costs; `access.view` is the product's audited read (`MemberAccess.view`: scope,
grants, decrypt, mask, and the audit entry committed with the read). For 1 and for N client
processes (each its own engine and connections, started together) the three take turns in
slots, `--rounds` slots of `--seconds / --rounds` counted seconds each, so that other work on
the machine weighs on all three alike. The bench prints reads per second, p50 and p99, and the
ratios to the floor.

    python bench/audit_throughput.py [--backend sqlite|postgresql|both] [--processes 20]
        [--seconds 8] [--rounds 4] [--members 400]

Goal 1: with 20 processes on PostgreSQL the product reaches >= 50 % of the floor's throughput.
Goal 2a: with 1 process the product's p50 is at most 2x the floor's, on each backend.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, func, select, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from bench._common import fresh_database, machine, percentile  # noqa: E402
from bench.access import granted_members  # noqa: E402
from workbench.audit.models import AuditEntry, AuditHead  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import SystemClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.db import create_db_engine  # noqa: E402
from workbench.db.engine import immediate_session  # noqa: E402
from workbench.db.failures import DatabaseBusy  # noqa: E402
from workbench.db.ids import saved_id  # noqa: E402
from workbench.members.models import Member, Staff  # noqa: E402
from workbench.settings import load_settings  # noqa: E402

logging.getLogger("workbench.calendar").setLevel(logging.ERROR)  # a warning per client

FLOOR_TABLE = "bench_audit_floor"
# One row the size of a view's audit entry: the same columns, a detail of the same length.
FLOOR_DDL = {
    "sqlite": (
        f"CREATE TABLE {FLOOR_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
        "actor_id INTEGER, action VARCHAR(32) NOT NULL, member_id INTEGER, purpose VARCHAR(32), "
        "result VARCHAR(16) NOT NULL, detail TEXT NOT NULL, key_version VARCHAR(16), "
        "seal VARCHAR(64) NOT NULL)"
    ),
    "postgresql": (
        f"CREATE TABLE {FLOOR_TABLE} (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, "
        "actor_id INTEGER, action VARCHAR(32) NOT NULL, member_id INTEGER, purpose VARCHAR(32), "
        "result VARCHAR(16) NOT NULL, detail TEXT NOT NULL, key_version VARCHAR(16), "
        "seal VARCHAR(64) NOT NULL)"
    ),
}
DETAIL = json.dumps({"basis": "grant", "grants": [123], "clear": []})


def _setup(wb: Any, members: int) -> tuple[int, list[str], list[str]]:
    """One agent with a live grant to each of `members` members: (agent id, member numbers,
    phone blind indexes)."""
    with immediate_session(wb.sessions) as session:
        agent, made = granted_members(session, wb, members)
        numbers = [member.member_no for member in made]
        indexes = [str(member.phone_bidx) for member in made]
        session.commit()
        agent_id = saved_id(agent)
    with wb.engine.begin() as connection:
        connection.execute(text(FLOOR_DDL[wb.engine.dialect.name]))
    return agent_id, numbers, indexes


def _wait_until(moment: float) -> None:
    while (left := moment - time.time()) > 0:
        time.sleep(min(left, 0.05))


KINDS = ("floor", "record", "product")
SETTLE = 0.5  # seconds at the start of each slot not counted: the last kind's reads finish


class _Client:
    """One client process's three workloads, each a function of the read's number."""

    def __init__(
        self, url: str, keyring_json: str, agent_id: int, numbers: list[str], indexes: list[str]
    ) -> None:
        self.numbers, self.indexes = numbers, indexes
        self.engine = create_db_engine(url)
        # Each floor transaction checks a connection out of the project's engine, as the
        # product's do; SQLite: the write lock up front, as the product's writers take it.
        self.immediate = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.table: Table = Member.__table__  # type: ignore[attr-defined]
        self.floor_insert = text(
            f"INSERT INTO {FLOOR_TABLE} (at, actor_id, action, member_id, purpose, result, "
            "detail, key_version, seal) VALUES (:at, :actor_id, :action, :member_id, "
            ":purpose, :result, :detail, :key_version, :seal)"
        )
        self.clock = SystemClock()
        settings = load_settings(database_url=url)
        keyring = Keyring.from_json(keyring_json, "bench")
        self.wb = build(settings, clock=SystemClock(), keyring=keyring)
        with self.wb.sessions() as session:
            agent = session.get(Staff, agent_id)
            assert agent is not None
            session.expunge(agent)
        self.agent = agent
        self.steps = {"floor": self.floor, "record": self.record, "product": self.product}

    def floor(self, n: int) -> None:
        """The bare transaction: select by blind index, insert an entry-sized row, commit."""
        bidx = self.indexes[n % len(self.indexes)]
        with self.immediate.begin() as connection:
            table = self.table
            row = connection.execute(select(table).where(table.c.phone_bidx == bidx)).first()
            assert row is not None
            values = {
                "at": self.clock.now(),
                "actor_id": 1,
                "action": "view",
                "member_id": row.id,
                "purpose": "callback",
                "result": "allowed",
                "detail": DETAIL,
                "key_version": "a1",
                "seal": "x" * 44,
            }
            connection.execute(self.floor_insert, values)

    def record(self, n: int) -> None:
        """The same transaction with the real audit entry (`AuditLog.record`) in place of the
        bare insert: what the chain costs, apart from the rest of the access layer."""
        bidx = self.indexes[n % len(self.indexes)]
        with immediate_session(self.wb.sessions) as session:
            table = self.table
            member = (
                session.connection().execute(select(table).where(table.c.phone_bidx == bidx))
            ).first()
            assert member is not None
            self.wb.audit.record(
                session,
                action="view",
                result="allowed",
                actor_id=1,
                member_id=member.id,
                purpose="callback",
                detail=DETAIL,
            )
            session.commit()

    def product(self, n: int) -> None:
        self.wb.access.view(self.agent, self.numbers[n % len(self.numbers)], "callback")


def _client(
    args: tuple, offset: int, t0: float, slot: float, slots: int
) -> list[tuple[int, float, float]]:
    """Runs slot k's kind (KINDS[k % 3]) from t0 + k * slot for `slot` seconds; every read as
    (slot, when it ended, seconds)."""
    client = _Client(*args)
    for kind in KINDS:  # connections opened and statements prepared before the clock starts
        with contextlib.suppress(OperationalError, DatabaseBusy):
            client.steps[kind](offset)
    seen: list[tuple[int, float, float]] = []
    n = offset
    for k in range(slots):
        step = client.steps[KINDS[k % len(KINDS)]]
        slot_end = t0 + (k + 1) * slot
        _wait_until(t0 + k * slot)
        while time.time() < slot_end:
            n += 1
            began = time.perf_counter()
            try:
                step(n)
            except (OperationalError, DatabaseBusy):  # SQLite's write lock not had in time
                seen.append((k, time.time(), -1.0))
                continue
            seen.append((k, time.time(), time.perf_counter() - began))
    client.wb.dispose()
    client.engine.dispose()
    return seen


def _run(processes: int, seconds: float, rounds: int, args: tuple) -> dict[str, dict]:
    """`processes` clients started together; the three workloads take turns in slots, all
    clients on the same one at a time, `rounds` slots each: a load on the machine that comes
    and goes falls on all three alike. Counted: the reads that end in a slot after its first
    SETTLE seconds."""
    slot = seconds / rounds + SETTLE
    slots = rounds * len(KINDS)
    t0 = time.time() + 2.0 + 0.3 * processes  # time for every client to build and connect
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        results: list[Any] = [
            pool.apply_async(_client, (args, i * 997, t0, slot, slots)) for i in range(processes)
        ]
        seen = [read for r in results for read in r.get()]
    figures = {}
    for index, kind in enumerate(KINDS):
        counted_reads = [
            seconds_
            for k, ended, seconds_ in seen
            if k % len(KINDS) == index and t0 + k * slot + SETTLE <= ended <= t0 + (k + 1) * slot
        ]
        window = sorted(t for t in counted_reads if t >= 0)
        counted = rounds * (slot - SETTLE)
        figures[kind] = {
            "reads_per_s": len(window) / counted,
            "p50_ms": percentile(window, 0.5) * 1000 if window else 0.0,
            "p99_ms": percentile(window, 0.99) * 1000 if window else 0.0,
            "reads": len(window),
            "failed": len(counted_reads) - len(window),
        }
    return figures


def _chain_ok(wb: Any) -> str:
    """After the run: the chain verifies and holds every entry written."""
    with wb.sessions() as session:
        report = wb.audit.verify(session)
        entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        head = session.get(AuditHead, 1)
    if not report.ok:
        return f"BROKEN: {report.problem}"
    return f"intact, {report.checked:,} entries, head {head.seq if head else None} ({entries:,})"


def bench_backend(
    backend: str, processes: list[int], seconds: float, rounds: int, members: int
) -> list[dict]:
    rows = []
    with fresh_database(backend) as url:
        keyring = Keyring.generate()
        settings = load_settings(database_url=url)
        wb = build(settings, clock=SystemClock(), keyring=keyring)
        agent_id, numbers, indexes = _setup(wb, members)
        wb.dispose()  # no connection of the parent's crosses the fork
        args = (url, keyring.to_json(), agent_id, numbers, indexes)
        for n in processes:
            figures = _run(n, seconds, rounds, args)
            for what, kind in (("audit.record", "record"), ("access.view", "product")):
                row = {"backend": backend, "processes": n, "what": what}
                rows.append({**row, "floor": figures["floor"], "product": figures[kind]})
                _print_row(rows[-1])
        wb = build(settings, clock=SystemClock(), keyring=keyring)
        print(f"  {backend}: the chain after the run: {_chain_ok(wb)}")
        with wb.engine.begin() as connection:  # the floor's rows are not the product's data
            connection.execute(text(f"DROP TABLE {FLOOR_TABLE}"))
        wb.dispose()
    return rows


def _print_row(row: dict) -> None:
    f, p = row["floor"], row["product"]
    throughput = p["reads_per_s"] / f["reads_per_s"] if f["reads_per_s"] else 0.0
    ratio_p50 = p["p50_ms"] / f["p50_ms"] if f["p50_ms"] else 0.0
    print(
        f"| {row['backend']} | {row['processes']} | {row['what']} | {f['reads_per_s']:,.0f} | "
        f"{p['reads_per_s']:,.0f} | {throughput:.0%} | {f['p50_ms']:.2f} | {p['p50_ms']:.2f} | "
        f"{ratio_p50:.2f}x | {f['p99_ms']:.2f} | {p['p99_ms']:.2f} | "
        f"{f['failed']}/{p['failed']} |"
    )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--processes", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=8.0, help="counted per workload")
    parser.add_argument("--rounds", type=int, default=4, help="slots per workload")
    parser.add_argument("--members", type=int, default=400)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "| backend | processes | audited | floor reads/s | audited reads/s | vs floor "
        "| floor p50 ms | audited p50 ms | p50 ratio | floor p99 ms | audited p99 ms "
        "| busy (floor/audited) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        processes = sorted({1, args.processes})
        bench_backend(backend, processes, args.seconds, args.rounds, args.members)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
