"""The Odoo sync service: check the connection, pull, push. One sync at a time per database (a
lock like the scheduler's); every run is recorded (crm_sync_run) and audited, with counts only.

Runs are made of committed pages, so a run that dies — Odoo gone, the process killed — loses
nothing: the next one continues from the stored cursors. Errors that stop a run (Odoo
unreachable, wrong credentials) are raised as they are; a model the sync user may not read, or a
field a setting names that Odoo lacks, stops that part only and is listed in the report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crm.errors import (
    OdooAccessDenied,
    OdooFieldMissing,
    OdooModelMissing,
    OdooRecordRejected,
    OdooSyncBusy,
)
from workbench.crm.mapping import HELPDESK, PARTNER, member_order_domain, partner_fields
from workbench.crm.models import IdentityReview, SyncRun
from workbench.crm.options import Domain, OdooConfig, SyncOptions
from workbench.crm.pull import Pull
from workbench.crm.push import Push
from workbench.crm.report import Progress, Recorder, SyncReport, no_progress
from workbench.db.engine import immediate_session
from workbench.db.leader import LeaderLock
from workbench.errors import (
    ConfigError,
    NotFound,
    PermissionDenied,
    ValidationError,
    WorkbenchError,
)
from workbench.masking.fields import mask_id_number, mask_name
from workbench.members.models import Member, Role, Staff, Store
from workbench.members.points import PointsLedger
from workbench.members.registry import MemberRegistry

if TYPE_CHECKING:  # odoorpc is loaded only to talk to Odoo
    from workbench.crm.client import OdooClient

SYNC_LOCK = 0x57_42_4F44  # "WBOD": one Odoo sync per database
# Who applies or rejects an identity change held by a pull: customer service.
REVIEWERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class IdentityChange:
    field: str  # name, id_number
    ours: str | None  # masked, as the member is now
    odoo: str | None  # masked, as the partner has it now


@dataclass(frozen=True)
class HeldIdentity:
    """A held identity change as a reviewer sees it: masked values only."""

    review_id: int
    changes: list[IdentityChange]
    gone: bool = False  # the partner is no longer in Odoo: only rejecting is left
    changed_since: bool = False  # changed in Odoo after it was held: applying is refused


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class CheckReport:
    where: str
    database: str
    version: str = ""
    user: str = ""
    models: dict[str, bool] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tier_choices: list[str] = field(default_factory=list)  # a selection tier field's choices
    companies: list[tuple[int, str, bool]] = field(default_factory=list)  # (id, name, synced)
    round_trips: int = 0


class OdooSync:
    def __init__(
        self,
        *,
        config: OdooConfig,
        options: SyncOptions,
        clock: Clock,
        engine: Engine,
        sessions: sessionmaker[Session],
        registry: MemberRegistry,
        ledger: PointsLedger,
        audit: AuditLog,
    ) -> None:
        self.config = config
        self.options = options
        self.clock = clock
        self.engine = engine
        self.sessions = sessions
        self.registry = registry
        self.ledger = ledger
        self.audit = audit

    def connect(self) -> OdooClient:
        from workbench.crm.client import OdooClient  # odoorpc is loaded only to talk to Odoo

        client = OdooClient.connect(self.config)
        client.companies = self.options.company_ids
        return client

    # Check ---------------------------------------------------------------------------------------
    def check(self) -> CheckReport:
        """Who and what the sync would talk to, and what in the settings does not fit it."""
        report = CheckReport(where=self.config.where, database=self.config.database)
        client = self.connect()
        client.companies = ()  # who the user is and where it may work, before any company
        report.version, report.user = client.version, client.user_name()
        if self._check_companies(client, report):
            client.companies = self.options.company_ids
        for model in (PARTNER, *self.options.order_models, HELPDESK):
            report.models[model] = client.has_model(model)
        if not report.models[PARTNER]:
            report.problems.append("Odoo has no res.partner: this is not a usable Odoo database")
            report.round_trips = client.round_trips
            return report
        partner_fields = client.fields(PARTNER)
        for setting, names in (
            (
                "[odoo] member_domain",
                [t[0].split(".")[0] for t in self.options.member_domain if not isinstance(t, str)],
            ),
            (
                "[odoo] id_number_field",
                [self.options.id_number_field] if self.options.id_number_field else [],
            ),
        ):
            missing = [name for name in names if name not in partner_fields]
            if missing:
                report.problems.append(f"res.partner has no field {', '.join(missing)} ({setting})")
        missing = [f for f in self.options.service_fields.values() if f not in partner_fields]
        if missing:
            report.notes.append(
                f"res.partner has no field {', '.join(missing)}: those are not "
                "pushed (create them in Odoo, or empty the [odoo] *_field settings)"
            )
        self._check_tier_choices(client, report, partner_fields)
        if not report.problems:
            self._count(client, report, PARTNER, list(self.options.member_domain), "members")
            for model in self.options.order_models:
                if report.models[model]:
                    domain = member_order_domain(model, self.options.member_domain)
                    self._count(client, report, model, domain, f"confirmed {model}")
        if not any(report.models[m] for m in self.options.order_models):
            report.notes.append("no order model installed: no purchases will be pulled")
        if not report.models[HELPDESK]:
            report.notes.append("helpdesk.ticket is not installed: complaints are not pushed")
        report.round_trips = client.round_trips
        return report

    def _check_companies(self, client: OdooClient, report: CheckReport) -> bool:
        """The companies the user can see and which of them are synced: members of one not
        synced are left out (a setting, never silently). False: the setting names a company
        the user may not work in."""
        try:
            current, visible = client.companies_visible()
        except (OdooAccessDenied, OdooFieldMissing, OdooModelMissing) as exc:
            report.notes.append(f"the companies could not be read: {exc}")
            return True
        synced = set(self.options.company_ids or ([current] if current else []))
        report.companies = [(cid, name, cid in synced) for cid, name in visible]
        unknown = sorted(synced - {cid for cid, _ in visible})
        if unknown:
            report.problems.append(
                f"[odoo] allowed_company_ids names {', '.join(map(str, unknown))}, which the "
                f"Odoo user {self.config.login!r} may not work in: grant it in Odoo, or change "
                "the setting"
            )
            return False
        left_out = [f"{name} ({cid})" for cid, name, on in report.companies if not on]
        if left_out:
            report.notes.append(
                f"members of {', '.join(left_out)} are not synced: add the ids to [odoo] "
                "allowed_company_ids to sync them"
            )
        return True

    def _check_tier_choices(
        self, client: OdooClient, report: CheckReport, partner_fields: dict[str, str]
    ) -> None:
        """A selection tier field must offer every tier the workbench may push: one it lacks
        would be refused for every member at that tier."""
        tier_field = self.options.service_fields.get("tier")
        if not tier_field or partner_fields.get(tier_field) != "selection":
            return
        offered = client.choices(PARTNER, tier_field) or []
        report.tier_choices = offered
        for tier in self.ledger.scheme.tiers:
            value = self.options.tier_value(tier.code)
            if value not in offered:
                shown = tier.code if value == tier.code else f"{tier.code} (as {value})"
                report.problems.append(
                    f"the workbench tier {shown} is not one of res.partner.{tier_field}'s "
                    f"choices ({', '.join(offered) or 'none'}): map it in [odoo] tier_codes, "
                    "or add the choice in Odoo"
                )

    def _count(
        self, client: OdooClient, report: CheckReport, model: str, domain: Domain, label: str
    ) -> None:
        try:
            report.counts[label] = client.search_count(model, domain)
        except OdooAccessDenied as exc:
            report.problems.append(str(exc))

    # Pull and push -------------------------------------------------------------------------------
    def pull(self, *, actor: Staff | None = None, progress: Progress = no_progress) -> SyncReport:
        def body(client: OdooClient, report: SyncReport, recorder: Recorder) -> None:
            store_id = self._store_id()
            order_models = [m for m in self.options.order_models if client.has_model(m)]
            Pull(
                client=client,
                sessions=self.sessions,
                registry=self.registry,
                ledger=self.ledger,
                clock=self.clock,
                options=self.options,
                store_id=store_id,
                report=report,
                recorder=recorder,
                actor=actor,
                progress=progress,
            ).run(order_models)

        return self._run("pull", actor, body)

    def push(self, *, actor: Staff | None = None, progress: Progress = no_progress) -> SyncReport:
        def body(client: OdooClient, report: SyncReport, recorder: Recorder) -> None:
            Push(
                client=client,
                sessions=self.sessions,
                registry=self.registry,
                ledger=self.ledger,
                clock=self.clock,
                options=self.options,
                report=report,
                recorder=recorder,
                progress=progress,
            ).run()

        return self._run("push", actor, body)

    def apply_review(self, review_id: int, *, actor: Staff) -> SyncReport:
        """Customer service applies a held identity change: the partner is read from Odoo
        again and taken as it is, if it is still as it was held (else the next pull holds it
        again as it is now)."""

        def body(client: OdooClient, report: SyncReport, recorder: Recorder) -> None:
            with self.sessions() as session:
                review = session.get(IdentityReview, review_id)
                if review is None or review.status != "pending":
                    raise NotFound(f"no identity change {review_id} waiting for review")
                partner_id, held = review.partner_id, review.partner_write_date
            fields = partner_fields(client.fields(PARTNER), self.options)
            try:
                rows = client.read(PARTNER, [partner_id], fields)
            except OdooRecordRejected:
                raise ValidationError(
                    "review", f"partner {partner_id} is no longer in Odoo: reject the change"
                ) from None
            if rows[0].get("write_date") != held:
                raise ValidationError(
                    "review",
                    f"partner {partner_id} was changed in Odoo after it was held: the next pull "
                    "holds it again as it is now",
                )
            pull = Pull(
                client=client,
                sessions=self.sessions,
                registry=self.registry,
                ledger=self.ledger,
                clock=self.clock,
                options=self.options,
                store_id=self._store_id(),
                report=report,
                recorder=recorder,
                actor=actor,
                progress=no_progress,
                approved=frozenset({partner_id}),
            )
            with immediate_session(self.sessions) as session:
                pull.apply_approved(session, rows)
                row = session.get_one(IdentityReview, review_id)
                row.status, row.decided_at, row.decided_by = "applied", self.clock.now(), actor.id
                session.commit()

        return self._run("pull", actor, body, roles=REVIEWERS)

    def held_identity(self, review_id: int, *, actor: Staff) -> HeldIdentity:
        """What a held change would make of the member, masked, beside what they are now: the
        partner is read from Odoo as it is (the review holds no values); read only."""
        if actor.role not in REVIEWERS:
            raise PermissionDenied(
                f"{actor.username} ({actor.role}) may not review identity changes"
            )
        with self.sessions() as session:
            review = session.get(IdentityReview, review_id)
            if review is None or review.status != "pending":
                raise NotFound(f"no identity change {review_id} waiting for review")
            ours = self.registry.decrypt(
                session.get_one(Member, review.member_id), ("name", "id_number")
            )
            partner_id, held = review.partner_id, review.partner_write_date
        client = self.connect()
        wanted = ["name", "write_date"]
        if self.options.id_number_field:
            wanted.append(self.options.id_number_field)
        try:
            [row] = client.read(PARTNER, [partner_id], wanted)
        except (OdooRecordRejected, ValueError):
            return HeldIdentity(review_id, [], gone=True)
        theirs = {
            "name": row.get("name") or None,
            "id_number": row.get(self.options.id_number_field) or None
            if self.options.id_number_field
            else None,
        }
        changes = [
            IdentityChange("name", mask_name(ours["name"]), mask_name(_text(theirs["name"]))),
            IdentityChange(
                "id_number",
                mask_id_number(ours["id_number"]),
                mask_id_number(_text(theirs["id_number"])),
            ),
        ]
        return HeldIdentity(review_id, changes, changed_since=row.get("write_date") != held)

    def _run(
        self,
        direction: str,
        actor: Staff | None,
        body: Callable[[OdooClient, SyncReport, Recorder], None],
        *,
        roles: frozenset[str] = frozenset({Role.ADMIN}),
    ) -> SyncReport:
        if actor is not None and actor.role not in roles:
            raise PermissionDenied(
                f"only an admin may run the Odoo sync; {actor.username} is {actor.role}"
                if roles == {Role.ADMIN}
                else f"{actor.username} ({actor.role}) may not review identity changes"
            )
        lock = LeaderLock(self.engine, key=SYNC_LOCK, name="odoo-sync")
        if not lock.try_acquire():
            raise OdooSyncBusy(
                "another Odoo sync is running on this database: try again when it has finished"
            )
        report = SyncReport(direction)
        started = time.perf_counter()
        client: OdooClient | None = None
        try:
            with immediate_session(self.sessions) as session:
                self._close_dead_runs(session, report)
                run = SyncRun(
                    direction=direction,
                    started_at=self.clock.now(),
                    actor_id=actor.id if actor else None,
                )
                session.add(run)
                session.commit()
                report.run_id = run.id
            try:
                client = self.connect()
                body(client, report, Recorder(report, self.clock))
            except Exception as exc:
                known = isinstance(exc, WorkbenchError)
                report.failures.append(str(exc) if known else f"stopped by {type(exc).__name__}")
                try:
                    self._finish(report, client, started, actor, outcome="failed")
                except Exception:  # the database itself may be what failed: keep the cause
                    if known:
                        raise
                raise
            self._finish(report, client, started, actor, outcome=report.outcome)
        finally:
            lock.release()
        return report

    def _close_dead_runs(self, session: Session, report: SyncReport) -> None:
        """The sync lock dies with its process: holding it, any run still `running` is one
        whose process was killed. It is closed as failed, saying so (never `running` forever)."""
        dead = list(session.scalars(select(SyncRun).where(col(SyncRun.outcome) == "running")))
        for run in dead:
            run.outcome, run.finished_at = "failed", self.clock.now()
            run.summary = json.dumps(
                {
                    "counts": {},
                    "issues": {},
                    "failures": [
                        "its process stopped before the run ended (killed, or the machine "
                        "went down): the next run went on from its last committed page"
                    ],
                    "warnings": [],
                },
                ensure_ascii=False,
            )
        if dead:
            report.counts["dead_runs_closed"] += len(dead)

    def _finish(
        self,
        report: SyncReport,
        client: OdooClient | None,
        started: float,
        actor: Staff | None,
        *,
        outcome: str,
    ) -> None:
        report.round_trips = client.round_trips if client is not None else 0
        report.seconds = time.perf_counter() - started
        # Reads the run, then writes: the write lock is taken up front (a deferred transaction
        # that reads first cannot wait for another writer on SQLite; it fails at once).
        with immediate_session(self.sessions) as session:
            run = session.get_one(SyncRun, report.run_id)
            run.finished_at = self.clock.now()
            run.outcome = outcome
            run.round_trips = report.round_trips
            run.summary = json.dumps(report.summary(), ensure_ascii=False)
            # Last in the transaction: the audit chain's head stays locked only until commit.
            self.audit.record(
                session,
                action=f"odoo_{report.direction}",
                result=outcome,
                actor_id=actor.id if actor else None,
                detail={
                    "run": report.run_id,
                    **dict(report.counts),
                    **{f"{k}_issues": v for k, v in report.issue_counts.items()},
                },
            )
            session.commit()

    def _store_id(self) -> int:
        with self.sessions() as session:
            store_id = session.scalar(
                select(col(Store.id)).where(col(Store.code) == self.options.store_code)
            )
        if store_id is None:
            raise ConfigError(
                f"setting [odoo] store (WORKBENCH_ODOO_STORE): no store with code "
                f"{self.options.store_code!r} to book members and purchases from Odoo to"
            )
        return store_id
