"""Escalation sweep and complaint analysis on a large table.

    python bench/escalation_sweep.py [--complaints 1000000] [--due-percent 1] [--backend both]

Fills the complaint table directly (bulk rows spread over two years, 1 % due for escalation
now), then times: the due query alone, one full sweep (escalating every due complaint, with its
events and notifications), a second sweep (finds nothing: idempotent), and the analysis report
over the last year.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bench._common import fresh_database, machine  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import FixedClock  # noqa: E402
from workbench.complaints.analytics import complaint_report  # noqa: E402
from workbench.complaints.escalation import due_query, sweep  # noqa: E402
from workbench.complaints.models import Complaint  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.members.models import Role, Staff, Store, StoreKind  # noqa: E402
from workbench.settings import load_settings  # noqa: E402

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Shanghai
CATEGORIES = ["product_quality", "service_attitude", "points_and_rights", "billing", "delivery"]
CAUSES = ["staff_conduct", "product_defect", "process_gap", "system_error", "misunderstanding"]
DEPARTMENTS = ["customer_service", "store_operations", "quality", "finance", "it"]


def fill(wb, count: int, due_percent: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    with wb.sessions() as session:
        stores = [
            Store(code=f"S{i:02d}", name=f"门店{i}", kind=StoreKind.DIRECT) for i in range(20)
        ]
        session.add_all(stores)
        session.add(
            Staff(username="supervisor", display_name="主管", role=Role.SUPERVISOR, created_at=NOW)
        )
        session.commit()
        store_ids = [s.id for s in stores]
    description = wb.cipher.encrypt("complaint.text", "（基准测试）")
    due_every = round(100 / due_percent)
    rows, made = [], 0
    for n in range(count):
        received = NOW - timedelta(seconds=rng.randrange(2 * 365 * 86400))
        due_now = n % due_every == 0
        closed = not due_now and rng.random() < 0.9
        row = {
            "complaint_no": f"B{n:09d}",
            "channel": "hotline",
            "category": CATEGORIES[n % 5],
            "priority": "normal",
            "store_id": store_ids[n % len(store_ids)],
            "description_enc": description,
            "state": "closed" if closed else "investigating",
            "round": 1 + (n % 17 == 0),
            "department": DEPARTMENTS[n % 5],
            "root_cause": CAUSES[n % 5] if closed else None,
            "received_at": received,
            "round_started_at": received,
            "first_response_at": received + timedelta(hours=rng.uniform(0.2, 8)),
            "first_response_due": received + timedelta(hours=4),
            "closed_at": received + timedelta(hours=rng.uniform(4, 120)) if closed else None,
            "satisfaction": rng.randint(1, 5) if closed else None,
            "sla_paused_seconds": 0,
            "escalation_level": 0,
            "sla_breached": rng.random() < 0.1,
            "resolution_due": received + timedelta(hours=45),
            "next_escalation_at": (NOW - timedelta(minutes=5))
            if due_now
            else (None if closed else NOW + timedelta(days=rng.randint(1, 30))),
        }
        rows.append(row)
        made += due_now
        if len(rows) == 20_000:
            _insert(wb, rows)
            rows = []
    _insert(wb, rows)
    # What autovacuum does in a running database: statistics and the visibility map (which lets
    # PostgreSQL answer the report from the covering index alone).
    with wb.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if wb.engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE complaint"))
        else:
            connection.execute(text("ANALYZE"))
    return made


def _insert(wb, rows) -> None:
    if rows:
        with wb.engine.begin() as connection:
            connection.execute(insert(Complaint), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | complaints | due | fill s | due query ms | full sweep s | escalations "
        "| second sweep ms | year report s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        with fresh_database(backend) as url:
            wb = build(
                load_settings(database_url=url), clock=FixedClock(NOW), keyring=Keyring.generate()
            )
            started = time.perf_counter()
            due = fill(wb, args.complaints, args.due_percent)
            fill_s = time.perf_counter() - started
            with wb.sessions() as session:
                due_ids = due_query(NOW, 100_000, False).with_only_columns(Complaint.id)
                started = time.perf_counter()
                found = session.scalars(due_ids).all()
                query_ms = (time.perf_counter() - started) * 1000
                assert len(found) == due
            started = time.perf_counter()
            result = sweep(wb.sessions, wb.complaints, batch_size=2000)
            sweep_s = time.perf_counter() - started
            started = time.perf_counter()
            again = sweep(wb.sessions, wb.complaints)
            again_ms = (time.perf_counter() - started) * 1000
            assert again.escalations == 0
            with wb.sessions() as session:
                started = time.perf_counter()
                report = complaint_report(session, start=NOW - timedelta(days=365), end=NOW)
                report_s = time.perf_counter() - started
            assert report.total > 0
            wb.dispose()
        print(
            f"| {backend} | {args.complaints:,} | {due:,} | {fill_s:.0f} | {query_ms:.0f} | "
            f"{sweep_s:.2f} | {result.escalations:,} | {again_ms:.1f} | {report_s:.2f} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
