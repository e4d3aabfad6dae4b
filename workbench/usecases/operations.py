"""How the running parts are doing, for the metrics and the readiness endpoints of the webhook
server and the scheduler: counts only (queue depths, messages sent and failed, open grants,
escalations, the age of the newest audit anchor), never a member, a staff member or a text.

No role check: no person calls these, the processes that serve /metrics and /ready do, and what
they return is the same aggregate numbers an operator's dashboard shows. Their endpoints are
bound to loopback or sit behind the proxy (docs/deployment.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, inspect, select, text
from sqlmodel import col

from workbench.callbacks.models import OPEN_STATUSES, CallbackTask
from workbench.complaints.models import ComplaintEvent
from workbench.crypto.check import KEY_CHECK, mismatch
from workbench.db.migrate import is_up_to_date
from workbench.messaging.models import MessageStatus, OutboxMessage
from workbench.permissions.models import AccessGrant
from workbench.usecases.base import UnitOfWork
from workbench.usecases.calendar import unknown_years

if TYPE_CHECKING:
    from workbench.bootstrap import Services
    from workbench.crypto import Keyring

SENT = (MessageStatus.SENT.value, MessageStatus.DELIVERED.value)


@dataclass(frozen=True)
class Snapshot:
    """The numbers of one scrape."""

    outbox: dict[tuple[str, str], int]  # (channel, status) -> messages
    sent: dict[str, int]  # channel -> messages sent (or delivered)
    failed: dict[str, int]  # channel -> messages failed for good
    callback_queue: dict[str, int]  # open status (queued, claimed) -> tasks
    active_grants: int
    escalations: int  # escalation steps ever recorded
    audit_anchor_age_seconds: float | None  # None: no anchor written yet


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Readiness:
    checks: tuple[Check, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


class OperationsDesk:
    def __init__(
        self, *, uow: UnitOfWork, services: Services, keyring: Callable[[], Keyring]
    ) -> None:
        self.uow = uow
        self.services = services
        self._keyring = keyring  # reads the key file again: it may have been replaced since

    def snapshot(self) -> Snapshot:
        s = self.services
        now = s.clock.now()
        with self.uow.read() as session:
            outbox = {
                (str(channel), str(status)): int(n)
                for channel, status, n in session.execute(
                    select(
                        col(OutboxMessage.channel), col(OutboxMessage.status), func.count()
                    ).group_by(OutboxMessage.channel, OutboxMessage.status)
                )
            }
            queue = {
                str(status): int(n)
                for status, n in session.execute(
                    select(col(CallbackTask.status), func.count())
                    .where(col(CallbackTask.status).in_(OPEN_STATUSES))
                    .group_by(CallbackTask.status)
                )
            }
            grants = session.scalar(
                select(func.count())
                .select_from(AccessGrant)
                .where(
                    col(AccessGrant.revoked_at).is_(None),
                    col(AccessGrant.starts_at) <= now,
                    col(AccessGrant.ends_at) > now,
                )
            )
            escalations = session.scalar(
                select(func.count())
                .select_from(ComplaintEvent)
                .where(col(ComplaintEvent.action) == "escalated")
            )
        channels = {channel for channel, _ in outbox}
        return Snapshot(
            outbox=outbox,
            sent={
                c: sum(n for (ch, st), n in outbox.items() if ch == c and st in SENT)
                for c in channels
            },
            failed={c: outbox.get((c, MessageStatus.FAILED.value), 0) for c in channels},
            callback_queue={status: queue.get(status, 0) for status in OPEN_STATUSES},
            active_grants=int(grants or 0),
            escalations=int(escalations or 0),
            audit_anchor_age_seconds=self._anchor_age(now),
        )

    def unknown_calendar_years(self) -> int:
        """How many years SLA clocks started now may reach that the holiday source does not
        know (the start-up warning's years: a process running since before December warned of
        none). No database read."""
        return len(unknown_years(self.services.complaint_policy, self.services.clock))

    def _anchor_age(self, now: datetime) -> float | None:
        anchors = self.services.audit.anchors
        if anchors is None:
            return None
        latest = anchors.read(self.services.keyring.audit_keys).latest
        if latest is None:
            return None
        return max((now - datetime.fromisoformat(latest.at)).total_seconds(), 0.0)

    def readiness(self) -> Readiness:
        """Whether this process can serve: the database answers, its schema is current, and the
        key file on disk is still the database's (a replaced key file would write values no
        other process can read)."""
        engine = self.services.engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure to reach it: not ready, and why (no secrets)
            reason = f"cannot reach the database ({type(error).__name__})"
            return Readiness((Check("database", False, reason),))
        checks = [Check("database", True)]
        try:
            current = is_up_to_date(engine)
        except Exception as error:  # an unreadable version table: not current
            current, reason = False, type(error).__name__
        else:
            reason = "" if current else "the schema is not current: run `workbench db upgrade`"
        checks.append(Check("migrations", current, reason))
        checks.append(self._key_file_check())
        return Readiness(tuple(checks))

    def _key_file_check(self) -> Check:
        try:
            keyring = self._keyring()
        except Exception as error:  # unreadable, unparsable or gone: say which, not its content
            return Check("key_file", False, f"the key file cannot be read ({type(error).__name__})")
        with self.services.engine.connect() as connection:
            if not inspect(connection).has_table(KEY_CHECK.name):
                return Check(
                    "key_file", False, "the database has no key check: run `workbench db upgrade`"
                )
            stored = connection.scalar(select(KEY_CHECK.c.checks))
        if stored is None:
            return Check("key_file", False, "the database has not adopted a key file yet")
        reason = mismatch(json.loads(stored), keyring)
        if reason is not None:
            return Check(
                "key_file", False, f"the key file does not belong to this database: {reason}"
            )
        return Check("key_file", True)


def operations_desk(s: Services, uow: UnitOfWork) -> OperationsDesk:
    from pathlib import Path

    from workbench.crypto import load_keyring

    source = s.keyring.source
    if not source or source == "WORKBENCH_KEYS_KEYRING":
        # Keys given inline (containers, tests) cannot change under a running process.
        return OperationsDesk(uow=uow, services=s, keyring=lambda: s.keyring)
    return OperationsDesk(
        uow=uow, services=s, keyring=lambda: load_keyring(inline_json=None, path=Path(source))
    )
