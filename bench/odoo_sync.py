"""Pulling from Odoo: member partners and their confirmed orders, from a local peer that speaks
Odoo 17's JSON-RPC (tests/peers/odoo_peer.py), served by its own process, through odoorpc.

    python bench/odoo_sync.py [--partners 100000] [--orders 500000] [--batch 2000]
                              [--backend sqlite|postgresql|both] [--push] [--first-only]
                              [--profile FILE]

The data: partners imported in transactions of 5,000 (each shares one write_date, as an Odoo
import does: crowded seconds the cursor reads by id), 0.1 % with a landline that the registry
refuses; orders (80 % sale.order, 20 % pos.order, all confirmed) spread over a year. Measured:
the first pull (everything), a second pull (nothing new), and an incremental pull after 1 % of
the partners were edited in one save and 1 % more orders came; with --push, the first push of
tier and points to every partner. Records per second count the partners and orders read.

Memory: the workbench process's resident set is sampled at every page of the first pull and
printed after it (at 10 % of the records read, at the end, and its peak), so a pull that keeps
something per partner shows as a rising line. The peer's process is measured apart (its peak
RSS after it has loaded the data), since it holds the whole Odoo database in memory.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

IMPORT_BATCH = 5000
START = datetime(2025, 11, 1)  # a year of data, ending before the figures were taken


# The peer's process ----------------------------------------------------------------------------
def populate(peer, partners: int, orders: int, seed: int = 9) -> None:
    rng = random.Random(seed)
    rows = []
    for i in range(1, partners + 1):
        stamp = START + timedelta(minutes=(i - 1) // IMPORT_BATCH, microseconds=123_456)
        mobile = (
            "021 5555 1234"
            if i % 1000 == 0
            else f"{rng.choice(('139', '138', '186', '158'))}{i:08d}"
        )
        rows.append(
            {
                "id": i,
                "name": f"会员{i}",
                "mobile": mobile,
                "email": f"m{i}@example.com",
                "street": "上海市浦东新区张江路1号",
                "is_company": False,
                "membership_state": "paid",
                "create_date": stamp,
                "write_date": stamp,
            }
        )
    peer.tables["res.partner"].bulk_load(rows)
    year = 365 * 86400
    moments = sorted(rng.uniform(0, year) for _ in range(orders))
    sale, pos = [], []
    for n, offset in enumerate(moments, start=1):
        when = START + timedelta(days=1, seconds=offset)
        model = pos if n % 5 == 0 else sale
        model.append(
            {
                "id": len(model) + 1,
                "name": f"SO{n:07d}",
                "state": "sale" if model is sale else "paid",
                "partner_id": rng.randint(1, partners),
                "date_order": when,
                "amount_total": round(rng.uniform(5, 2000), 2),
                "create_date": when,
                "write_date": when + timedelta(seconds=30),
            }
        )
    peer.tables["sale.order"].bulk_load(sale)
    peer.tables["pos.order"].bulk_load(pos)


def serve(partners: int, orders: int) -> None:
    from tests.peers.odoo_peer import OdooPeer

    peer = OdooPeer()
    peer.record_calls = False
    populate(peer, partners, orders)
    with peer:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"port {peer.port} rss {peak}", flush=True)
        sys.stdin.read()  # until the benchmark closes the pipe


# The benchmark ---------------------------------------------------------------------------------
def rss_mb() -> float:
    """The resident set of this process now, in MB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_peer(partners: int, orders: int) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--partners", str(partners), "--orders", str(orders)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("port "):
        raise SystemExit(f"the peer did not start: {line!r}")
    words = line.split()
    print(f"peer: {partners:,} partners, {orders:,} orders loaded, RSS {words[3]} MB", flush=True)
    return process, int(words[1])


def change_in_odoo(port: int, partners: int, orders: int) -> tuple[int, int]:
    """1 % of partners edited in one save (one transaction stamp), 1 % more orders."""
    import odoorpc

    odoo = odoorpc.ODOO("127.0.0.1", port=port, timeout=600)
    odoo.login("odoo", "sync", "secret")
    edited = list(range(7, partners + 1, 100))
    odoo.execute_kw("res.partner", "write", [edited, {"street": "上海市徐汇区漕溪北路88号"}])
    rng = random.Random(11)
    new = max(1, orders // 100)
    for start in range(0, new, 1000):
        odoo.execute_kw(
            "sale.order",
            "create",
            [
                [
                    {
                        "name": f"NEW{start + k}",
                        "partner_id": rng.randint(1, partners),
                        "state": "sale",
                        "amount_total": 88.0,
                        "date_order": "2026-11-25 10:00:00",
                    }
                    for k in range(min(1000, new - start))
                ]
            ],
        )
    return len(edited), new


def run(
    backend: str,
    partners: int,
    orders: int,
    batch: int,
    push: bool,
    first_only: bool = False,
    profile: str | None = None,
) -> list[str]:
    from pydantic import SecretStr
    from sqlalchemy import func, select

    from bench._common import fresh_database
    from tests.factories import add_store
    from workbench.bootstrap import build
    from workbench.crypto import Keyring
    from workbench.members.models import Member, Purchase, StoreKind
    from workbench.settings import load_settings

    process, port = start_peer(partners, orders)
    lines = []
    try:
        with fresh_database(backend) as url:
            settings = load_settings(
                database_url=url,
                odoo_host="127.0.0.1",
                odoo_port=port,
                odoo_database="odoo",
                odoo_login="sync",
                odoo_password=SecretStr("secret"),
                odoo_batch_size=batch,
                odoo_timeout_seconds=600,
            )
            wb = build(settings, keyring=Keyring.generate())
            with wb.sessions() as session:
                add_store(session, "HQ", StoreKind.HEADQUARTERS)
                session.commit()

            def measure(label: str, action) -> None:
                started = time.perf_counter()
                report = action()
                seconds = time.perf_counter() - started
                memory.append(peak_rss_mb())
                read = report.counts["partners_read"] + report.counts["orders_read"]
                made = (report.counts["members_created"], report.counts["purchases_created"])
                written = report.counts["partners_written"]
                rate = (read or written) / seconds
                lines.append(
                    f"| {backend} | {label} | {report.counts['partners_read']:,} | "
                    f"{report.counts['orders_read']:,} | {made[0]:,} | {made[1]:,} | "
                    f"{written:,} | {seconds:.1f} | {rate:,.0f} | {report.round_trips:,} |"
                )
                print(lines[-1], flush=True)

            samples: list[tuple[int, float]] = []  # (records read so far, RSS MB)
            read_so_far: dict[str, int] = {}

            def sample(stage: str, done: int, total: int | None) -> None:
                read_so_far[stage] = done
                samples.append((sum(read_so_far.values()), rss_mb()))

            memory: list[float] = []
            before = rss_mb()
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            measure("first pull", lambda: wb.odoo.pull(progress=sample))
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
                pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(60)
            total_read = samples[-1][0] if samples else 0
            tenth = next((mb for n, mb in samples if n >= total_read / 10), before)
            print(
                f"workbench RSS, first pull ({backend}): {before:.0f} MB before, "
                f"{tenth:.0f} MB at 10 % of the records, {samples[-1][1] if samples else 0:.0f} MB "
                f"at the end, peak {memory[-1]:.0f} MB",
                flush=True,
            )
            if first_only:
                wb.dispose()
                return lines
            with wb.sessions() as session:
                member_count = session.scalar(select(func.count()).select_from(Member))
                purchase_count = session.scalar(select(func.count()).select_from(Purchase))
            assert member_count == partners - partners // 1000, member_count
            assert 0.99 * orders < purchase_count <= orders, purchase_count
            measure("second pull (nothing new)", wb.odoo.pull)
            edited, new = change_in_odoo(port, partners, orders)
            measure(f"pull after {edited:,} edits + {new:,} orders", wb.odoo.pull)
            if push:
                measure("first push", wb.odoo.push)
            wb.dispose()
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--push", action="store_true", help="Also time the first push.")
    parser.add_argument("--first-only", action="store_true", help="Time the first pull only.")
    parser.add_argument("--profile", help="cProfile the first pull into this file.")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.partners, args.orders)
        return
    from bench._common import machine

    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | pass | partners read | orders read | members made | purchases made | "
        "partners written | s | records/s | round trips |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        run(
            backend,
            args.partners,
            args.orders,
            args.batch,
            args.push,
            first_only=args.first_only,
            profile=args.profile,
        )


if __name__ == "__main__":
    main()
