"""Member statistics and KPIs on a million members, computed directly and read from the
scheduler's rollups.

    python bench/member_statistics.py [--members 1000000] [--purchases 6] [--stores 40]
        [--backend both] [--repeat 5]

Rows are bulk-inserted with stand-ins for the encrypted personal fields (random text as long as
real ciphertext, so member rows are as wide as real ones; the statistics never read them):
members over three years with cards, about `--purchases` purchases each over two years (a third of members buy in
a given year, some often), a points credit per purchase plus activities, redemptions and
expiries, complaints (one per 10 members) and callback calls (one per 5). Each report is timed
twice (the second run finds the pages cached), for an analyst (every store) and for a store
manager (one store), with the audit entry included; "both" is what the statistics screen asks.

Then the rollups are refreshed (what the scheduler's job does every few minutes; timed) and each
report is read from them `--repeat` times (median). The floor, measured in the same run, is
the bare work of such a read: one transaction that selects the rollup row and parses its JSON,
then writes and commits one audit entry (a report writes one, the screen two). The ratio is the
report's median over the floor's median.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import json  # noqa: E402

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
from workbench.callbacks.models import CallbackAttempt, CallbackTask  # noqa: E402
from workbench.clock import FixedClock  # noqa: E402
from workbench.complaints.models import Complaint  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.db.engine import immediate_session  # noqa: E402
from workbench.demo import bulk  # noqa: E402
from workbench.members.models import (  # noqa: E402
    Member,
    MemberCard,
    PointsEntry,
    Purchase,
    Role,
    Staff,
)
from workbench.settings import load_settings  # noqa: E402
from workbench.statistics.rollups import ReportRollup  # noqa: E402

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
# Bytes of ciphertext (nonce, tag and a typical value) per encrypted field, shown as hex.
CIPHERTEXT = {"name": 26, "phone": 28, "id_number": 32, "email": 36, "address": 100, "birthday": 26}
CHUNK = 50_000
DAY = 86400


def populate(wb, members: int, purchases: float, stores: int) -> dict[str, int]:
    rng = random.Random(5)
    people = [("analyst", Role.ANALYST, None), ("manager", Role.STORE_MANAGER, 1)]
    people += [(f"agent{n}", Role.AGENT, None) for n in range(20)]
    with wb.engine.begin() as connection:
        insert_stores_and_staff(connection, stores, people, NOW)
    counts = dict.fromkeys(("purchases", "points", "complaints", "calls"), 0)
    ids = dict.fromkeys(("purchase", "points", "task"), 1)
    for first in range(1, members + 1, CHUNK):
        rows: dict = {
            "member": [],
            "card": [],
            "purchase": [],
            "points": [],
            "complaint": [],
            "task": [],
            "attempt": [],
        }
        for member_id in range(first, min(first + CHUNK, members + 1)):
            _member(rng, rows, ids, member_id, purchases, stores)
        with wb.engine.begin() as connection:
            for table, key in (
                (Member, "member"),
                (MemberCard, "card"),
                (Purchase, "purchase"),
                (PointsEntry, "points"),
                (Complaint, "complaint"),
                (CallbackTask, "task"),
                (CallbackAttempt, "attempt"),
            ):
                bulk.bulk_insert(connection, table.__table__, rows[key])
        counts["purchases"] += len(rows["purchase"])
        counts["points"] += len(rows["points"])
        counts["complaints"] += len(rows["complaint"])
        counts["calls"] += len(rows["attempt"])
    with wb.engine.begin() as connection:
        bulk.reset_sequences(
            connection,
            [
                t.__table__
                for t in (
                    Member,
                    MemberCard,
                    Purchase,
                    PointsEntry,
                    Complaint,
                    CallbackTask,
                    CallbackAttempt,
                )
            ],
        )
    analyze(wb.engine)
    return counts


def _member(rng, rows, ids, member_id, purchases, stores) -> None:
    store = rng.randrange(1, stores + 1)
    joined = NOW - timedelta(seconds=rng.randrange(3 * 365 * DAY))
    ended = NOW - timedelta(days=rng.randrange(300)) if rng.random() < 0.01 else None
    rows["member"].append(
        {
            "id": member_id,
            "member_no": f"M{member_id:09d}",
            "status": "terminated" if ended else "active",
            "store_id": store,
            "channel": "store",
            "tier_code": rng.choices(["regular", "silver", "gold", "platinum"], [80, 13, 6, 1])[0],
            "submitted_at": joined,
            "joined_at": joined,
            "terminated_at": ended,
            **{
                f"{field}_enc": "k1:" + os.urandom(size).hex() for field, size in CIPHERTEXT.items()
            },
            "consent_marketing": True,
            "consent_third_party": False,
            "do_not_call": False,
            "sms_opt_out": False,
            "email_opt_out": False,
            "phone_invalid": False,
        }
    )
    rows["card"].append(
        {
            "id": member_id,
            "member_id": member_id,
            "card_no": f"C{member_id:011d}",
            "status": "active",
            "issued_at": joined,
        }
    )
    start = max(joined, NOW - timedelta(days=730))
    span = max(int((NOW - start).total_seconds()), 1)
    buys = int(rng.expovariate(1 / purchases) * span / (730 * DAY))
    for _ in range(buys):
        at = start + timedelta(seconds=rng.randrange(span))
        amount = rng.randrange(1000, 100000)  # fen
        rows["purchase"].append(
            {
                "id": ids["purchase"],
                "member_id": member_id,
                "store_id": store,
                "amount": Decimal(amount).scaleb(-2),
                "occurred_at": at,
                "points_earned": amount // 100,
            }
        )
        _points(rows, ids, member_id, "purchase", amount // 100, at)
        ids["purchase"] += 1
    if rng.random() < 0.2:
        _points(
            rows, ids, member_id, "activity", 100, start + timedelta(seconds=rng.randrange(span))
        )
    if buys > 3 and rng.random() < 0.3:
        _points(rows, ids, member_id, "redemption", -100, NOW - timedelta(days=rng.randrange(300)))
    if buys and rng.random() < 0.1:
        _points(rows, ids, member_id, "expiry", -10, NOW - timedelta(days=rng.randrange(300)))
    if member_id % 10 == 0:
        received = NOW - timedelta(seconds=rng.randrange(730 * DAY))
        closed = received + timedelta(hours=rng.randrange(1, 200))
        rows["complaint"].append(
            {
                "id": member_id // 10,
                "complaint_no": f"C{member_id:09d}",
                "member_id": member_id,
                "channel": "hotline",
                "category": "billing",
                "priority": "normal",
                "store_id": store,
                "description_enc": "-",
                "state": "closed" if closed < NOW else "investigating",
                "round": 1,
                "handler_id": rng.randrange(3, 23),
                "received_at": received,
                "received_by_id": 3,
                "round_started_at": received,
                "closed_at": closed if closed < NOW else None,
                "satisfaction": rng.randrange(3, 6),
                "sla_paused_seconds": 0,
                "escalation_level": 0,
                "sla_breached": False,
            }
        )
    if member_id % 5 == 0:
        at = NOW - timedelta(seconds=rng.randrange(365 * DAY))
        rows["task"].append(
            {
                "id": ids["task"],
                "member_id": member_id,
                "reason": "satisfaction_check",
                "priority": 0,
                "earliest_at": at,
                "latest_at": at + timedelta(days=3),
                "next_attempt_at": at,
                "status": "done",
                "attempts": 1,
                "created_at": at,
            }
        )
        rows["attempt"].append(
            {
                "id": ids["task"],
                "task_id": ids["task"],
                "staff_id": rng.randrange(3, 23),
                "at": at,
                "outcome": rng.choice(["reached", "no_answer", "refused"]),
            }
        )
        ids["task"] += 1


def _points(rows, ids, member_id, kind, points, at) -> None:
    rows["points"].append(
        {
            "id": ids["points"],
            "member_id": member_id,
            "kind": kind,
            "points": points,
            "occurred_at": at,
            "expires_at": at + timedelta(days=730) if points > 0 else None,
            "detail": "",
        }
    )
    ids["points"] += 1


def floor(wb, actor, entries: int) -> None:
    """The bare read of a rollup: its row and JSON, and `entries` audit entries committed."""
    with wb.sessions() as session:
        data = session.scalar(select(ReportRollup.data).where(ReportRollup.report == "statistics"))
        json.loads(data)
    for _ in range(entries):
        with immediate_session(wb.sessions) as session:
            wb.audit.record(session, action="aggregate", result="allowed", actor_id=actor.id)
            session.commit()


def rollup_rows(wb, staff, backend: str, members: int, repeat: int) -> None:
    refresh, _ = timed(wb.usecases.statistics.refresh_rollups, None)
    print(f"\n{backend}: rollups refreshed in {refresh:.1f} s (the scheduler's job)\n")
    print("| backend | members | report | reader | direct s | rollup ms | floor ms | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    period = wb.statistics.period()
    for reader in ("analyst", "manager"):
        for name, report, entries in (
            ("members", wb.statistics.members, 1),
            ("kpis", wb.statistics.kpis, 1),
            ("both (screen)", wb.statistics.overview, 2),
        ):
            assert report(staff[reader], period) is not None
            rolled = median_of(repeat, report, staff[reader], period)
            bare = median_of(repeat, floor, wb, staff[reader], entries)
            rollups, wb.statistics.rollups = wb.statistics.rollups, None
            direct, _ = timed(report, staff[reader], period)
            wb.statistics.rollups = rollups
            print(
                f"| {backend} | {members:,} | {name} | {reader} | {direct:.2f} | "
                f"{rolled * 1000:.1f} | {bare * 1000:.1f} | {rolled / bare:.1f} |"
            )
            sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=float, default=6.0)
    parser.add_argument("--stores", type=int, default=40)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--direct",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time every report computed directly, twice (the old table)",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | members | purchases | points lines | load s | report | reader | "
        "first s | again s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        with fresh_database(backend) as url:
            wb = build(
                load_settings(database_url=url), keyring=Keyring.generate(), clock=FixedClock(NOW)
            )
            seconds, counts = timed(populate, wb, args.members, args.purchases, args.stores)
            with wb.sessions() as session:
                staff = {s.username: s for s in session.scalars(select(Staff))}
                assert session.scalar(select(func.count()).select_from(Member)) == args.members
            period = wb.statistics.period()
            for reader in ("analyst", "manager") if args.direct else ():
                for name, report in (
                    ("members", wb.statistics.members),
                    ("kpis", wb.statistics.kpis),
                    ("both (screen)", wb.statistics.overview),
                ):
                    first, _ = timed(report, staff[reader], period)
                    again, _ = timed(report, staff[reader], period)
                    print(
                        f"| {backend} | {args.members:,} | {counts['purchases']:,} | "
                        f"{counts['points']:,} | {seconds:.0f} | {name} | {reader} | "
                        f"{first:.2f} | {again:.2f} |"
                    )
                    sys.stdout.flush()
            rollup_rows(wb, staff, backend, args.members, args.repeat)
            wb.dispose()


if __name__ == "__main__":
    main()
