"""Inviting every eligible member to an activity: the time to materialise the invitations into
the outbox (the set-based INSERT … SELECT of the invitations, then the messages queued a batch
per transaction through the contact policy, rendered and encrypted), against a floor measured
in the same run on the same database: a bare INSERT … SELECT copying as many rows of the same
width (the invitation rows and the outbox rows just written, into scratch tables of the same
shape). The ratio says what the policy, the rendering and the encryption cost over moving
the bytes.

    python bench/activities.py [--members 100000] [--backend both]

The demo seed's members (about 1% terminated, some opted out) are all eligible: no tier or
store limit. The clock is fixed at 10:00 Shanghai time, outside quiet hours, before the
activity's sign-up opens for everyone, so priority tiers' messages are due now and the others'
wait until their window opens (as in production).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402

from bench._common import fresh_database, machine  # noqa: E402
from workbench.activities.models import ActivityInvitation  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.clock import FixedClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.members.models import Member, Staff  # noqa: E402
from workbench.messaging.models import OutboxMessage  # noqa: E402
from workbench.settings import load_settings  # noqa: E402
from workbench.usecases.activities import PlanForm  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)
PLAN = PlanForm(
    kind="members_promotion",
    theme="春季会员专享日",
    starts="2026-12-20 14:00",
    ends="2026-12-20 17:00",
    capacity="500",
    budget="50000",
    priority_opens="2026-12-02 09:00",
    signup_opens="2026-12-05 10:00",
    signup_closes="2026-12-19 20:00",
    cancel_until="2026-12-18 20:00",
    points="100",
    channels="sms",
)


def floor(wb) -> tuple[float, int]:
    """A bare INSERT … SELECT of the rows the invitation wrote (invitations and outbox rows),
    into empty tables of the same columns: the cost of writing that many bytes, nothing else."""
    rows = 0
    with wb.engine.begin() as connection:
        for table in ("activity_invitation", "outbox_message"):
            connection.execute(text(f"DROP TABLE IF EXISTS floor_{table}"))
            connection.execute(
                text(f"CREATE TABLE floor_{table} AS SELECT * FROM {table} WHERE 1 = 0")
            )
    started = time.perf_counter()
    with wb.engine.begin() as connection:
        for table in ("activity_invitation", "outbox_message"):
            result = connection.execute(text(f"INSERT INTO floor_{table} SELECT * FROM {table}"))
            rows += int(result.rowcount or 0)
    return time.perf_counter() - started, rows


def run(backend: str, members: int) -> str:
    with fresh_database(backend) as url:
        wb = build(
            load_settings(database_url=url), keyring=Keyring.generate(), clock=FixedClock(NOW)
        )
        started = time.perf_counter()
        seed(wb, members=members, stores=10, random_seed=7, complaints=0, purchase_scale=0.0)
        seeded = time.perf_counter() - started
        with wb.sessions() as session:
            staff = {s.username: s for s in session.scalars(select(Staff))}
            for s in staff.values():
                session.expunge(s)
        desk = wb.usecases.activities
        code = desk.create(staff["analyst1"], PLAN).line.code
        desk.submit(staff["analyst1"], code)
        desk.approve(staff["supervisor1"], code)
        started = time.perf_counter()
        done = desk.invite(staff["analyst1"], code)
        invite_s = time.perf_counter() - started
        with wb.sessions() as session:
            active = session.scalar(
                select(func.count()).select_from(Member).where(Member.status == "active")
            )
            invitations = session.scalar(select(func.count()).select_from(ActivityInvitation))
            messages = session.scalar(select(func.count()).select_from(OutboxMessage))
        assert invitations == done.written == active, (invitations, done.written, active)
        floor_s, floor_rows = floor(wb)
        again_started = time.perf_counter()
        again = desk.invite(staff["analyst1"], code)  # nothing new: the dedupe holds
        again_s = time.perf_counter() - again_started
        assert again.written == 0 and again.messages == 0
        wb.dispose()
        return (
            f"| {backend} | {members:,} | {seeded:.0f} | {done.written:,} | {done.messages:,} | "
            f"{done.skipped:,} | {invite_s:.1f} | {done.written / invite_s:,.0f} | "
            f"{floor_rows:,} ({invitations:,} + {messages:,}) | {floor_s:.2f} | "
            f"{invite_s / floor_s:.0f}× | {again_s:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | members | seed s | invited | messages | not sendable | invite s | "
        "invitations/s | floor rows | floor s | ratio | again s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        print(run(backend, args.members))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
