"""`workbench seed` (demo data in bulk) and `workbench demo` (everything for a first look)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from workbench.cli.output import SafeConsole
from workbench.cli.state import state
from workbench.crypto import Keyring
from workbench.demo.seed import (
    DEMO_PASSWORD,
    SeedSummary,
    complaint_target,
    finish_demo,
    seed,
    seed_essentials,
)
from workbench.settings import Settings
from workbench.usecases.admin import AdminDesk, Seeder

console = SafeConsole(highlight=False)


STAGES = {"members": "members, cards, purchases, points", "complaints": "complaints"}


def _seed_with_progress(
    desk: AdminDesk,
    members: int,
    stores: int,
    random_seed: int,
    complaints: int | None,
    seeder: Seeder = seed,
) -> SeedSummary:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done)

        return desk.seed_demo(
            seeder,
            members=members,
            stores=stores,
            random_seed=random_seed,
            complaints=complaints,
            progress=report,
        )


def seed_command(
    members: int = typer.Option(2000, "--members", min=1),
    stores: int = typer.Option(8, "--stores", min=1, max=999),
    random_seed: int = typer.Option(42, "--random-seed"),
    complaints: int = typer.Option(
        None, "--complaints", min=0, help="Default: a fifth of the members, at most 3000."
    ),
    finish: bool = typer.Option(
        False, "--finish-demo", hidden=True, help="The background stage of `workbench demo`."
    ),
) -> None:
    """Fill an empty database with realistic fake members, purchases, complaints, callbacks."""
    if finish:
        _finish_demo()
        return
    desk = state.workbench().usecases.admin  # a clear message when the key file is missing
    summary = _seed_with_progress(desk, members, stores, random_seed, complaints)
    _print_summary(summary)


DEMO_MEMBERS, DEMO_STORES, DEMO_SEED = 2000, 8, 42


def demo_command(
    tui: bool = typer.Option(True, "--tui/--no-tui", help="Open the terminal workbench after."),
) -> None:
    """First look: keys, database and demo data made where missing, then the workbench."""
    settings = state.settings()
    key_file = settings.effective_keys_file
    if settings.keys_keyring is None and not key_file.exists():
        Keyring.generate().save(key_file)
        console.print(f"made a new key file: {key_file}", markup=False)
    desk = state.workbench().usecases.admin
    desk.ensure_schema()
    empty = not desk.has_members()
    console.print(f"database: {settings.effective_database_url}", markup=False)
    if empty:
        console.print("seeding the demo database (2,000 fake members)…", markup=False)
        _write_pending(settings, complaint_target(DEMO_MEMBERS))  # first: nothing is lost
        summary = _seed_with_progress(
            desk, DEMO_MEMBERS, DEMO_STORES, DEMO_SEED, None, seed_essentials
        )
        _print_summary(summary, pending=True)
    else:
        console.print("the demo database is already filled", markup=False)
        _print_logins_hint()
    if _read_pending(settings) is not None:
        _start_finisher()
        console.print(
            "complaints and callbacks are being added in the background over the next "
            "minutes; their screens fill as they come (`workbench demo` again picks up "
            "where an interrupted run stopped)",
            markup=False,
        )
    cards = desk.demo_cards(3)
    console.print(_demo_hint(cards), markup=False)
    if tui:
        from workbench.cli.tui import run_tui

        run_tui(sign_in_hint=("sign_in.demo_hint", _demo_hint_values(cards)), demo=True)


# The demo's second stage runs in a process of its own, so the sign-in screen does not wait for
# it: a file in the data directory says which database still needs it and how many complaints,
# and a lock file keeps it to one process at a time.


def _pending_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-pending.json"


def _write_pending(settings: Settings, complaints: int) -> None:
    path = _pending_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "database": settings.effective_database_url,
        "random_seed": DEMO_SEED,
        "complaints": complaints,
    }
    path.write_text(json.dumps(record), encoding="utf-8")


def _read_pending(settings: Settings) -> dict[str, Any] | None:
    """The pending record for the configured database, or None (also for another database's
    record, which is left alone)."""
    try:
        record = json.loads(_pending_file(settings).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("database") != settings.effective_database_url:
        return None
    return record


def _start_finisher() -> None:
    """`workbench seed --finish-demo`, detached, with the same settings file."""
    options = ["--config", state.config_file] if state.config_file else []
    subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [
            sys.executable,
            "-c",
            "import sys; from workbench.cli import main; main(sys.argv[1:])",
            *options,
            "seed",
            "--finish-demo",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@contextlib.contextmanager
def _only_one(path: Path) -> Iterator[bool]:
    """True while this process holds the lock file; False when another one does."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, the resume logic still avoids double work
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _finish_demo() -> None:
    settings = state.settings()
    with _only_one(settings.data_dir / "demo-finish.lock") as mine:
        record = _read_pending(settings) if mine else None
        if record is None:
            return
        if hasattr(os, "nice"):
            os.nice(10)  # the agent signing in comes first
        desk = state.workbench().usecases.admin
        desk.seed_demo(
            finish_demo,
            members=DEMO_MEMBERS,
            stores=DEMO_STORES,
            random_seed=int(record.get("random_seed", DEMO_SEED)),
            complaints=int(record["complaints"]),
            progress=lambda *_: None,
        )
        _pending_file(settings).unlink(missing_ok=True)


def _print_summary(summary: SeedSummary, *, pending: bool = False) -> None:
    logins = Table(title=f"demo staff logins (password: {DEMO_PASSWORD})")
    for column in ("username", "role", "store"):
        logins.add_column(column)
    shown = [
        row for row in summary.logins if not row[0].startswith("sales.") or row[0].endswith(".1")
    ][:24]
    for username, role, store in shown:
        logins.add_row(username, role, store)
    console.print(logins)
    if len(shown) < len(summary.logins):
        console.print(
            f"… and {len(summary.logins) - len(shown)} more: manager.<store>, "
            "sales.<store>.1 and sales.<store>.2 for every store",
            markup=False,
        )
    figures = Table(title="what the demo database holds", show_header=False)
    figures.add_row("stores", str(summary.stores))
    figures.add_row("staff", str(summary.staff))
    for status, n in sorted(summary.members.items()):
        figures.add_row(f"members {status}", str(n))
    for tier, n in sorted(summary.tiers.items()):
        figures.add_row(f"active {tier}", str(n))
    figures.add_row("cards (lost)", f"{summary.cards} ({summary.lost_cards})")
    figures.add_row("purchases", str(summary.purchases))
    figures.add_row("points ledger lines", str(summary.points_entries))
    if pending:
        figures.add_row("complaints", f"{summary.complaints} (coming in the background)")
        figures.add_row("callback tasks", "(coming in the background)")
    else:
        figures.add_row("complaints", str(summary.complaints))
        figures.add_row("callback tasks", str(summary.callback_tasks))
    console.print(figures)


DEMO_LOGINS = "agent1 · supervisor1 · manager.sh01 · sales.sh01.1 · analyst1 · admin"


def _demo_hint_values(cards: list[str]) -> dict[str, str]:
    """Demo logins and a few card numbers to search for (card numbers are not personal data),
    for the sign-in screen's hint (the catalogue's sign_in.demo_hint, in either language)."""
    return {"logins": DEMO_LOGINS, "password": DEMO_PASSWORD, "cards": ", ".join(cards)}


def _demo_hint(cards: list[str]) -> str:
    """The same, as the command prints it."""
    values = _demo_hint_values(cards)
    return (
        f"demo: {values['logins']} — password {values['password']}\n"
        f"search for a card: {values['cards']}"
    )


def _print_logins_hint() -> None:
    console.print(
        f"sign in as agent1, supervisor1, manager.sh01, sales.sh01.1, analyst1 or "
        f"admin; password {DEMO_PASSWORD}",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    app.command("seed")(seed_command)
    app.command("demo")(demo_command)
