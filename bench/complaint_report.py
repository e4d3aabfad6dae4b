"""The year's complaint report on a million complaints: computed directly, and read from the
scheduler's rollup.

    python bench/complaint_report.py [--complaints 1000000] [--stores 40] [--backend both]
        [--repeat 5]

Complaints are bulk-inserted over two years (so the default period, the last 12 months, holds
about half of them) across `--stores` stores, with random categories, causes, departments,
channels, handlers, scores, first responses, closes and reopened rounds; one member in four
complains more than once. Timed for a supervisor (every figure) with the audit entry included:

- direct: the report computed from the complaint rows, as without rollups (twice: the second
  finds the pages cached); its floor is a bare `SELECT count(*)` over the same rows;
- rollup: the report read from the rollup the scheduler's job keeps (median of `--repeat`); its
  floor is the bare work of such a read: one transaction that selects the rollup row, parses
  its JSON, writes one audit entry and commits (as the report does).

Each floor is measured in the same run, and the ratio is the report's time over its floor's.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench._common import (  # noqa: E402
    analyze,
    fresh_database,
    insert_stores_and_staff,
    machine,
    median_of,
    timed,
)
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import FixedClock  # noqa: E402
from workbench.complaints.models import Complaint  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.db.engine import immediate_session  # noqa: E402
from workbench.demo import bulk  # noqa: E402
from workbench.members.models import Member, Role, Staff  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.statistics.rollups import ReportRollup  # noqa: E402

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CHUNK = 50_000
DAY = 86400


def populate(wb, complaints: int, stores: int) -> None:
    rng = random.Random(21)
    members = max(complaints // 2, 1)
    people = [("supervisor", Role.SUPERVISOR, None), ("analyst", Role.ANALYST, None)]
    people += [(f"agent{n}", Role.AGENT, None) for n in range(20)]
    with wb.engine.begin() as connection:
        insert_stores_and_staff(connection, stores, people, NOW)
    for first in range(1, members + 1, CHUNK):
        with wb.engine.begin() as connection:
            bulk.bulk_insert(
                connection,
                Member.__table__,
                [
                    {
                        "id": m,
                        "member_no": f"M{m:09d}",
                        "status": "active",
                        "store_id": rng.randrange(1, stores + 1),
                        "channel": "store",
                        "tier_code": "regular",
                        "submitted_at": NOW,
                        "joined_at": NOW - timedelta(days=800),
                        "consent_marketing": False,
                        "consent_third_party": False,
                        "do_not_call": False,
                        "sms_opt_out": False,
                        "email_opt_out": False,
                        "phone_invalid": False,
                    }
                    for m in range(first, min(first + CHUNK, members + 1))
                ],
            )
    for first in range(1, complaints + 1, CHUNK):
        rows = [
            _complaint(rng, n, members, stores)
            for n in range(first, min(first + CHUNK, complaints + 1))
        ]
        with wb.engine.begin() as connection:
            bulk.bulk_insert(connection, Complaint.__table__, rows)
    with wb.engine.begin() as connection:
        bulk.reset_sequences(connection, [Member.__table__, Complaint.__table__])
    analyze(wb.engine)


def _complaint(rng: random.Random, n: int, members: int, stores: int) -> dict:
    received = NOW - timedelta(seconds=rng.randrange(730 * DAY))
    responded = received + timedelta(minutes=rng.randrange(5, 3000))
    closed = received + timedelta(minutes=rng.randrange(60, 20000))
    is_closed = closed < NOW and rng.random() < 0.9
    member = (
        rng.randrange(1, members + 1) if rng.random() < 0.75 else rng.randrange(1, 1 + members // 4)
    )
    return {
        "id": n,
        "complaint_no": f"K{n:09d}",
        "member_id": member,
        "channel": rng.choice(("hotline", "store", "online", "wechat")),
        "category": rng.choice(("billing", "service", "product", "delivery", "points")),
        "priority": "normal",
        "store_id": rng.randrange(1, stores + 1),
        "description_enc": "-",
        "state": "closed" if is_closed else "investigating",
        "round": 2 if rng.random() < 0.05 else 1,
        "department": rng.choice(("finance", "service", "it", "logistics")),
        "handler_id": rng.randrange(3, 23),
        "root_cause": rng.choice((None, "system_error", "staff", "product_defect", "policy")),
        "received_at": received,
        "received_by_id": 3,
        "round_started_at": received,
        "first_response_at": responded if responded < NOW else None,
        "first_response_due": received + timedelta(hours=24),
        "closed_at": closed if is_closed else None,
        "satisfaction": rng.choice((None, 1, 2, 3, 4, 5, 5, 5)) if is_closed else None,
        "sla_paused_seconds": 0,
        "escalation_level": 0,
        "sla_breached": rng.random() < 0.1,
    }


def run(backend: str, args: argparse.Namespace) -> None:
    with fresh_database(backend) as url:
        wb = build(
            load_settings(database_url=url), keyring=Keyring.generate(), clock=FixedClock(NOW)
        )
        load, _ = timed(populate, wb, args.complaints, args.stores)
        with wb.sessions() as session:
            supervisor = session.scalar(select(Staff).where(Staff.username == "supervisor"))
        period = wb.statistics.period()
        reports = wb.complaint_reports

        def report():
            return reports.report(supervisor, start=period.start, end=period.end)

        def count_floor():
            with wb.sessions() as session:
                return session.scalar(
                    select(func.count())
                    .select_from(Complaint)
                    .where(
                        Complaint.received_at >= period.start,
                        Complaint.received_at < period.end,
                    )
                )

        def rollup_floor():
            with immediate_session(wb.sessions) as session:
                data = session.scalar(
                    select(ReportRollup.data).where(ReportRollup.report == "complaints")
                )
                json.loads(data)
                wb.audit.record(
                    session, action="aggregate", result="allowed", actor_id=supervisor.id
                )
                session.commit()

        in_period = count_floor()
        first, direct = timed(report)
        again, _ = timed(report)
        bare = median_of(args.repeat, count_floor)
        refresh, _ = timed(wb.usecases.statistics.refresh_rollups, None)
        rolled_report = report()
        assert rolled_report.as_of is not None and rolled_report.total == direct.total
        rolled = median_of(args.repeat, report)
        floor = median_of(args.repeat, rollup_floor)
        print(
            f"| {backend} | {args.complaints:,} | {in_period:,} | {load:.0f} | {first:.2f} | "
            f"{again:.2f} | {bare * 1000:.1f} | {again / bare:.0f} | {refresh:.1f} | "
            f"{rolled * 1000:.1f} | {floor * 1000:.1f} | {rolled / floor:.1f} |"
        )
        sys.stdout.flush()
        wb.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--stores", type=int, default=40)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | complaints | in period | load s | direct first s | direct again s | "
        "count(*) floor ms | direct ratio | refresh s | rollup ms | rollup floor ms | "
        "rollup ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        run(backend, args)


if __name__ == "__main__":
    main()
