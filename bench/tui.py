"""The terminal workbench's responsiveness with a big database.

    python bench/tui.py [--members 1000000] [--complaints 10000] [--keys 200] [--backend sqlite]

1. Start to first interactive frame: a fresh interpreter imports the workbench, connects to the
   database, starts the app (headless) and shows the sign-in screen ready for typing; median
   of five starts.
2. Keystroke to screen: a key event (a cursor move) is posted to the app and timed until the
   next frame is ready for the terminal (the compositor's update, rendered to the terminal's
   escape codes), on a member's profile and on the supervisors' list of 10,000 open complaints.
   (Pilot's `press` is not used for the timing: it waits for idleness in steps of its own that
   cost ~60 ms even on an empty app.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import fresh_database, machine, percentile  # noqa: E402
from tests.factories import password_hash  # noqa: E402
from workbench.bootstrap import build  # noqa: E402
from workbench.crypto import Keyring  # noqa: E402
from workbench.demo.seed import seed  # noqa: E402
from workbench.settings import load_settings  # noqa: E402

FIRST_FRAME = """
import time
started = time.perf_counter()
import asyncio, sys
from workbench.bootstrap import build
from workbench.settings import load_settings
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.sign_in import SignInScreen

async def main():
    app = WorkbenchApp(build(load_settings()))
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, SignInScreen) and app.screen.focused):
            await pilot.pause(0.001)
        print(time.perf_counter() - started)

asyncio.run(main())
"""


def first_frame(url: str, keyring: Keyring) -> float:
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_KEYS_KEYRING": keyring.to_json()}
    times = []
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


async def keystrokes(wb, username: str, setup, keys: int) -> list[float]:
    from bench.keys_during_calls import timed_keys
    from workbench.tui.app import WorkbenchApp

    app = WorkbenchApp(wb)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.click("#username")
        await pilot.press(*username)
        await pilot.click("#password")
        await pilot.press(*"bench-password", "enter")
        await app.workers.wait_for_complete()
        await setup(pilot)
        return await timed_keys(
            app, pilot, ["down" if (n // 20) % 2 == 0 else "up" for n in range(keys)]
        )


def run(backend: str, members: int, complaints: int, keys: int) -> None:
    from sqlalchemy import select, update

    from workbench.complaints.service import ComplaintIntake
    from workbench.members.models import Staff

    with fresh_database(backend) as url:
        keyring = Keyring.generate()
        wb = build(load_settings(database_url=url), keyring=keyring)
        started = time.perf_counter()
        summary = seed(
            wb, members=members, stores=20, random_seed=3, complaints=0, purchase_scale=0.2
        )
        print(
            f"{backend}: {members:,} members seeded in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        with wb.sessions() as session:
            session.execute(update(Staff).values(password_hash=password_hash("bench-password")))
            agent = session.scalar(select(Staff).where(Staff.username == "agent1"))
            session.commit()
        started = time.perf_counter()
        with wb.sessions() as session:
            found = (wb.registry.find_by_phone(session, p) for p in summary.sample_phones)
            member_nos = [m.member_no for m in found if m is not None and m.status == "active"]
            for n in range(complaints):
                wb.complaints.open(
                    session,
                    intake=ComplaintIntake(
                        channel="hotline",
                        category="billing",
                        priority=("normal", "urgent")[n % 2],
                        description="bench",
                        member_no=member_nos[n % len(member_nos)],
                    ),
                    actor=agent,
                )
                if n % 500 == 499:
                    session.commit()
            session.commit()
        print(
            f"{backend}: {complaints:,} complaints opened in {time.perf_counter() - started:.0f} s",
            flush=True,
        )

        with wb.sessions() as session:
            phone = next(
                p
                for p in summary.sample_phones
                if (m := wb.registry.find_by_phone(session, p)) and m.status == "active"
            )

        async def open_profile(pilot):
            await pilot.click("#search-input")
            await pilot.press(*phone, "enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            pilot.app.screen.query_one("#profile-fields").focus()

        async def open_list(pilot):
            await pilot.press("f7")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            table = pilot.app.screen.query_one("#all-complaints")
            assert table.row_count == complaints, table.row_count
            table.focus()

        frame = first_frame(url, keyring)
        profile = asyncio.run(keystrokes(wb, "agent1", open_profile, keys))
        listing = asyncio.run(keystrokes(wb, "supervisor1", open_list, keys))
        wb.dispose()
    ms = 1000
    print(
        f"| {backend} | {members:,} | {frame * ms:.0f} | "
        f"{percentile(profile, 0.5) * ms:.1f} | {percentile(profile, 0.99) * ms:.1f} | "
        f"{complaints:,} | {percentile(listing, 0.5) * ms:.1f} | "
        f"{percentile(listing, 0.99) * ms:.1f} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--complaints", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| backend | members | first frame ms | profile key p50 ms | p99 ms | list rows "
        "| list key p50 ms | p99 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        run(backend, args.members, args.complaints, args.keys)


if __name__ == "__main__":
    main()
