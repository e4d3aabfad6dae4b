"""Campaign materialisation and concurrent claiming.

    python bench/callbacks.py [--members 100000] [--agents 20] [--calls 5000] [--backend both]

Materialises one campaign over every member (one task each), then lets N agent threads claim
and complete tasks as fast as they can until `--calls` are done: claims per second, and a check
that no task was handed to two agents.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench._common import fresh_database, machine  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.callbacks.models import CallbackAttempt, CallbackTask  # noqa: E402
from workbench.clock import FixedClock  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.members.models import Role, Staff  # noqa: E402
from workbench.settings import load_settings  # noqa: E402

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: calling hours


def run(backend: str, members: int, agents: int, calls: int) -> str:
    with fresh_database(backend) as url:
        wb = build(
            load_settings(database_url=url, callbacks_materialise_batch=5000),
            clock=FixedClock(NOW),
            keyring=Keyring.generate(),
        )
        seed(wb, members=members, stores=10, random_seed=5, complaints=0, purchase_scale=0)
        with wb.sessions() as session:
            supervisor = session.scalar(select(Staff).where(Staff.role == Role.SUPERVISOR))
            workers = list(session.scalars(select(Staff).where(Staff.role == Role.AGENT)))
            session.expunge_all()
        today = NOW.astimezone(wb.settings.timezone).date()
        # Nobody bought anything (purchase_scale 0): the segment is every active member.
        campaign = wb.campaigns.create(
            supervisor,
            name="bench",
            segment={"no_purchase_days": 1},
            starts_on=today,
            ends_on=today + timedelta(days=1),
            daily_capacity=members,
        )
        started = time.perf_counter()
        made = wb.campaigns.materialise(campaign.id)
        materialise_s = time.perf_counter() - started
        team = [workers[i % len(workers)] for i in range(agents)]
        done = threading.Semaphore(calls)

        def work(agent) -> int:
            count = 0
            while done.acquire(blocking=False):
                claim = wb.callbacks.claim_next(agent, team=None)
                if claim is None:
                    return count
                wb.callbacks.record_outcome(agent, task_id=claim.task_id, outcome="reached")
                count += 1
            return count

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=agents) as pool:
            completed = sum(pool.map(work, team))
        claim_s = time.perf_counter() - started
        with wb.sessions() as session:
            duplicates = session.scalar(
                select(func.count()).select_from(
                    select(CallbackAttempt.task_id)
                    .group_by(CallbackAttempt.task_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            finished = session.scalar(
                select(func.count()).select_from(CallbackTask).where(CallbackTask.status == "done")
            )
        wb.dispose()
    assert duplicates == 0 and finished == completed
    return (
        f"| {backend} | {made:,} | {materialise_s:.1f} | {made / materialise_s:,.0f} | "
        f"{agents} | {completed:,} | {claim_s:.1f} | {completed / claim_s:,.0f} | "
        f"{duplicates} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | tasks made | materialise s | tasks/s | agents | calls completed | s "
        "| claims+outcomes/s | duplicates |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        print(run(backend, args.members, args.agents, args.calls), flush=True)


if __name__ == "__main__":
    main()
