"""A newcomer's first run: `workbench demo --no-tui` on a fresh data directory, timed to the
point where the terminal workbench would open (the sign-in screen), against a floor measured in
the same run; then how long the background stage (complaints and callbacks) takes to finish.

    python bench/demo_first_run.py [--runs 3] [--wait 900]

The floor is what any first run must do: start a fresh interpreter that creates the empty,
migrated database (`workbench db upgrade`), plus the bare inserts (sqlite3 executemany, one
transaction) of the rows the first stage writes, copied from the product's own database.
Goal (issue 21 goal 7): the sign-in screen within 10 s.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine  # noqa: E402

WORKBENCH = str(Path(sys.executable).with_name("workbench"))
FIRST_STAGE = (
    "store",
    "staff",
    "member",
    "member_card",
    "member_event",
    "purchase",
    "points_entry",
    "gift_item",
    "stored_goods",
)


def _home(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(root),
        XDG_DATA_HOME=str(root / "data"),
        XDG_STATE_HOME=str(root / "state"),
        XDG_CONFIG_HOME=str(root / "config"),
    )
    env.pop("WORKBENCH_DATABASE_URL", None)
    return env


def _database(root: Path) -> Path:
    return root / "data" / "workbench" / "workbench.db"


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def product(root: Path, wait: float) -> tuple[float, float | None, dict[str, int]]:
    """Seconds to the sign-in screen, seconds until the background stage is done (None when it
    did not finish within `wait`), and the rows per table at the end."""
    env = _home(root)
    start = time.perf_counter()
    first = _run([WORKBENCH, "demo", "--no-tui"], env)
    pending = root / "data" / "workbench" / "demo-pending.json"
    deadline = time.perf_counter() + wait
    while pending.exists() and time.perf_counter() < deadline:
        time.sleep(0.5)
    done = None if pending.exists() else time.perf_counter() - start
    with sqlite3.connect(_database(root)) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        counts = {
            t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables
        }
    return first, done, {t: n for t, n in counts.items() if n}


def floor(root: Path, source: Path) -> tuple[float, float]:
    """Seconds for a fresh interpreter to create the migrated database, and for the bare
    inserts of the first stage's rows."""
    env = _home(root)
    upgrade = _run([WORKBENCH, "db", "upgrade"], env)
    with sqlite3.connect(source) as old:
        rows = {t: old.execute(f'SELECT * FROM "{t}"').fetchall() for t in FIRST_STAGE}
    target = sqlite3.connect(_database(root), isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    start = time.perf_counter()
    target.execute("BEGIN")
    for table in FIRST_STAGE:
        if rows[table]:
            marks = ", ".join("?" * len(rows[table][0]))
            target.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows[table])
    target.execute("COMMIT")
    inserts = time.perf_counter() - start
    target.close()
    return upgrade, inserts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=900, help="Seconds to wait for stage two.")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        "| run | floor: upgrade s | floor: inserts s | floor s | to sign-in s | ratio | all done s |"
    )
    print("|---|---|---|---|---|---|---|")
    ratios, firsts = [], []
    counts: dict[str, int] = {}
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            first, done, counts = product(Path(a), args.wait)
            upgrade, inserts = floor(Path(b), _database(Path(a)))
        base = upgrade + inserts
        ratios.append(first / base)
        firsts.append(first)
        finished = f"{done:.1f}" if done is not None else f"> {args.wait:.0f}"
        print(
            f"| {run} | {upgrade:.2f} | {inserts:.2f} | {base:.2f} | {first:.2f} "
            f"| {first / base:.2f} | {finished} |"
        )
    print(
        f"median to sign-in {statistics.median(firsts):.2f} s, "
        f"ratio {statistics.median(ratios):.2f}× the floor (goal: at most 10 s)"
    )
    print("rows at the end of the last run:")
    for table, n in sorted(counts.items()):
        print(f"  {table:28} {n}")


if __name__ == "__main__":
    main()
