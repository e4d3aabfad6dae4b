"""Seeding rate and phone look-up latency with a million members.

    python bench/member_lookup.py [--members 1000000] [--lookups 10000] [--backend both]
        [--purchase-scale 0.2]

A look-up is what the hotline does when a call comes in: normalise the number to E.164, compute
its blind index, select the one member row, decrypt its six personal fields.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench._common import fresh_database, machine, percentile  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.members.identity import normalise_phone  # noqa: E402
from workbench.members.models import Member  # noqa: E402
from workbench.settings import load_settings  # noqa: E402


def lookups(wb, phones: list[str], count: int) -> list[float]:
    rng = random.Random(3)
    timings = []
    with wb.sessions() as session:
        for phone in rng.choices(phones, k=count):
            start = time.perf_counter()
            e164 = normalise_phone(phone)
            member = session.scalar(
                select(Member).where(Member.phone_bidx == wb.registry.phone_bidx(e164))
            )
            if member is not None:
                wb.registry.decrypt(member)
            timings.append(time.perf_counter() - start)
            session.expunge_all()
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--purchase-scale", type=float, default=0.2)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"machine: {machine()}")
    print(
        "| backend | members | purchases | seed s | members/s | look-ups | p50 ms | p99 ms "
        "| max ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for backend in backends:
        with fresh_database(backend) as url:
            wb = build(load_settings(database_url=url), keyring=Keyring.generate())
            started = time.perf_counter()
            summary = seed(
                wb,
                members=args.members,
                stores=20,
                random_seed=11,
                complaints=0,
                purchase_scale=args.purchase_scale,
            )
            seconds = time.perf_counter() - started
            timings = lookups(wb, summary.sample_phones, args.lookups)
            wb.dispose()
        ms = 1000
        print(
            f"| {backend} | {args.members:,} | {summary.purchases:,} | {seconds:.0f} | "
            f"{args.members / seconds:,.0f} | {len(timings):,} | "
            f"{percentile(timings, 0.5) * ms:.3f} | {percentile(timings, 0.99) * ms:.3f} | "
            f"{timings[-1] * ms:.2f} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
