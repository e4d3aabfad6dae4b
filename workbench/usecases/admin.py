"""What administrators do to the database itself: bring the schema up to date, check it, back it
up (encrypted, audited) and restore it, fill an empty one with demo data.

`DatabaseSetup` needs only the settings: it runs where no workbench can be built yet (no key
file, no tables). `AdminDesk` is the rest, built with the workbench."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from workbench.backup.ledger import read_ledger_file
from workbench.backup.service import BackupInfo, create_backup, restore_backup
from workbench.clock import SystemClock
from workbench.crypto import Keyring, load_keyring
from workbench.crypto.check import ensure_key_file_matches
from workbench.db import create_db_engine
from workbench.db.migrate import current_revision, head_revision, is_up_to_date, upgrade
from workbench.errors import KeyringError, WorkbenchError
from workbench.incidents import person_facing
from workbench.members.models import Member, MemberCard, MemberStatus
from workbench.members.registry import TerminationReason
from workbench.usecases.base import UnitOfWork

if TYPE_CHECKING:
    from workbench.bootstrap import Services
    from workbench.demo.seed import SeedSummary
    from workbench.settings import Settings  # it loads apscheduler, to check cron settings

SeedProgress = Callable[[str, int, int], None]


class Seeder(Protocol):
    """workbench.demo.seed.seed: it builds workbenches of its own (on a walking clock), so it
    sits with the composition root, above the use cases, and is handed in by the command."""

    def __call__(
        self,
        services: Services,
        /,
        *,
        members: int,
        stores: int,
        random_seed: int,
        complaints: int | None,
        progress: SeedProgress,
    ) -> SeedSummary: ...


@dataclass(frozen=True)
class Revisions:
    current: str | None  # None: an empty database
    newest: str | None


class DatabaseSetup:
    """The schema and restores, from the settings alone."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def upgrade(self, revision: str = "head") -> str | None:
        """Creates or migrates the database to `revision`; the revision it is at now."""
        engine = self._engine()
        try:
            upgrade(engine, revision)
            self._adopt_key_file(engine)
            return current_revision(engine)
        finally:
            engine.dispose()

    def _adopt_key_file(self, engine: Engine) -> None:
        """A fresh database takes the key file as its own (one of another database is refused);
        with no key file yet, the first start after `keys init` does it."""
        try:
            keyring = _keyring(self.settings)
        except KeyringError:
            settings = self.settings
            if settings.keys_keyring is None and not settings.effective_keys_file.exists():
                return
            raise
        from workbench.db.tables import metadata  # every package's tables

        now = SystemClock().now()
        ensure_key_file_matches(engine, keyring, now=now, tables=metadata.sorted_tables)

    def revisions(self) -> Revisions:
        engine = self._engine()
        try:
            return Revisions(current_revision(engine), head_revision())
        finally:
            engine.dispose()

    def restore(self, source: Path, *, into: str | None = None) -> BackupInfo:
        """Restores a backup into an EMPTY database (default: the configured one)."""
        url = into or self.settings.effective_database_url
        info = restore_backup(source=source, url=url, keyring=_keyring(self.settings))
        # The current schema, so the erasure ledger can be re-applied (`reapply_erasures`).
        engine = create_db_engine(url, busy_timeout=self.settings.database_busy_timeout_seconds)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        return info

    def explain(self, error: BaseException, *, where: str) -> tuple[WorkbenchError | None, str]:
        """A failure as a person should read it: a typed error (a driver error turned into a
        missing schema, a locked database naming the processes that hold its file, a server
        that cannot be reached) with its message, or None and "something went wrong" with the
        id it was logged under."""
        return person_facing(error, where=where, sqlite_path=self.sqlite_path())

    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None (PostgreSQL, or an in-memory database)."""
        url = make_url(self.settings.effective_database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database).expanduser()

    def _engine(self) -> Engine:
        return create_db_engine(
            self.settings.effective_database_url,
            busy_timeout=self.settings.database_busy_timeout_seconds,
        )


class AdminDesk:
    def __init__(self, *, uow: UnitOfWork, services: Services) -> None:
        self.uow = uow
        self.services = services

    def schema_is_current(self) -> bool:
        return is_up_to_date(self.services.engine)

    def ensure_schema(self) -> None:
        """Brings the schema up to date where it is not (the demo and the seeder)."""
        if not is_up_to_date(self.services.engine):
            upgrade(self.services.engine)

    def create_backup(self, output: Path | None = None) -> BackupInfo:
        """An encrypted backup of the configured database (default: a file named by the time in
        the backup directory), recorded in the audit log."""
        s = self.services
        now = s.clock.now()
        target = output or s.settings.effective_backup_directory / (
            f"workbench-{now.strftime('%Y%m%dT%H%M%SZ')}.wbk"
        )
        info = create_backup(
            url=s.settings.effective_database_url,
            keyring=s.keyring,
            target=target,
            now=now,
            ledger_file=s.settings.effective_erasure_ledger_file,
        )
        with self.uow.write() as session:
            s.audit.record(
                session,
                action="backup",
                result="ok",
                detail={"file": info.path.name, "bytes": info.plain_bytes},
            )
        return info

    def reapply_erasures(self) -> int:
        """After a restore: erase again every member the erasure ledger file names whom the
        restored database still holds (a backup made before the erasure), with the same code
        as the first time: a member not terminated there is terminated (points and goods
        settled, cards closed), one already terminated is erased. Audited; how many members."""
        s = self.services
        done = 0
        for entry in read_ledger_file(s.settings.effective_erasure_ledger_file):
            with self.uow.write() as session:
                member = session.get(Member, entry.member_id)
                if member is None or (
                    member.status == MemberStatus.TERMINATED and member.erased_at is not None
                ):
                    continue
                if member.status != MemberStatus.TERMINATED:
                    # The notice had been given and had run out when it was first terminated.
                    reason = entry.reason or TerminationReason.VOLUNTARY.value
                    member.termination_reason = reason
                    member.termination_due_at = member.termination_due_at or entry.erased_at
                    s.registry.terminate(
                        session, member_no=member.member_no, reason=reason, actor=None
                    )
                else:
                    s.registry.erase(session, member)
                s.audit.record(
                    session,
                    action="erase",
                    result="ok",
                    member_id=member.id,
                    detail={
                        "reapplied_after_restore": True,
                        "erased_at": entry.erased_at.isoformat(),
                    },
                )
                done += 1
        return done

    def has_members(self) -> bool:
        with self.uow.read() as session:
            return bool(session.scalar(select(func.count()).select_from(Member)))

    def seed_demo(
        self,
        seeder: Seeder,
        *,
        members: int,
        stores: int,
        random_seed: int,
        complaints: int | None,
        progress: SeedProgress,
    ) -> SeedSummary:
        """Brings the schema up to date and fills an EMPTY database with realistic fake members,
        purchases, complaints and callbacks (the seeder refuses a database that holds members)."""
        self.ensure_schema()
        return seeder(
            self.services,
            members=members,
            stores=stores,
            random_seed=random_seed,
            complaints=complaints,
            progress=progress,
        )

    def demo_cards(self, limit: int = 3) -> list[str]:
        """A few active card numbers to search for (card numbers are not personal data)."""
        with self.uow.read() as session:
            return list(
                session.scalars(
                    select(col(MemberCard.card_no))
                    .where(col(MemberCard.status) == "active")
                    .order_by(col(MemberCard.id))
                    .limit(limit)
                )
            )


def _keyring(settings: Settings) -> Keyring:
    inline = settings.keys_keyring.get_secret_value() if settings.keys_keyring else None
    return load_keyring(inline_json=inline, path=settings.effective_keys_file)
