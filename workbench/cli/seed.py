"""`workbench seed` (demo data in bulk) and `workbench demo` (everything for a first look)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from workbench.cli.state import state
from workbench.crypto import Keyring
from workbench.demo.seed import DEMO_PASSWORD, SeedSummary, seed
from workbench.usecases.admin import AdminDesk

console = Console(highlight=False)


def _seed_with_progress(
    desk: AdminDesk, members: int, stores: int, random_seed: int, complaints: int | None
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
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        return desk.seed_demo(
            seed,
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
) -> None:
    """Fill an empty database with realistic fake members, purchases, complaints, callbacks."""
    desk = state.workbench().usecases.admin  # a clear message when the key file is missing
    summary = _seed_with_progress(desk, members, stores, random_seed, complaints)
    _print_summary(summary)


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
        summary = _seed_with_progress(desk, 2000, 8, 42, None)
        _print_summary(summary)
    else:
        console.print("the demo database is already filled", markup=False)
        _print_logins_hint()
    hint = _demo_hint(desk)
    console.print(hint, markup=False)
    if tui:
        from workbench.cli.tui import run_tui

        run_tui(sign_in_hint=hint, demo=True)


def _print_summary(summary: SeedSummary) -> None:
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
    figures.add_row("complaints", str(summary.complaints))
    figures.add_row("callback tasks", str(summary.callback_tasks))
    console.print(figures)


def _demo_hint(desk: AdminDesk) -> str:
    """Demo logins and a few card numbers to search for (card numbers are not personal data)."""
    cards = desk.demo_cards(3)
    return (
        f"demo: agent1 · supervisor1 · manager.sh01 · sales.sh01.1 · analyst1 · admin — "
        f"password {DEMO_PASSWORD}\nsearch for a card: {', '.join(cards)}"
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
