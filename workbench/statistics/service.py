"""Statistics as a staff member may have them: who sees which stores and agents, exports only
for the roles allowed to export, an audit entry for every report (and every refusal), and small
groups hidden for everyone.

The figures are read in a plain transaction (one consistent snapshot, and no write lock held on
SQLite while the aggregates run); the audit entry is written after, in its own short
transaction, before anything is returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from functools import cached_property
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.engine import immediate_session
from workbench.db.ids import saved_id
from workbench.errors import ValidationError
from workbench.members.models import Role, Staff, Store, StoreKind
from workbench.members.tiers import TierScheme
from workbench.permissions.access import AccessDenied, Purpose, serves_all_stores
from workbench.statistics import figures, kpis, members
from workbench.statistics.figures import (
    AgentKpis,
    BranchKpis,
    Kpis,
    MemberStatistics,
    StoreLabel,
)
from workbench.statistics.members import Raw
from workbench.statistics.period import DEFAULT_MONTHS, Period, period_of_days
from workbench.statistics.rollups import Rollups, period_key

MANAGERS = {Role.SUPERVISOR, Role.ADMIN, Role.DEPARTMENT_HEAD, Role.ANALYST}
# The periods the statistics screen steps through (months up to today): the scheduler keeps a
# rollup of each (statistics/rollups.py).
ROLLUP_MONTHS = (12, 24, 6, 3)
ROLLUP = "statistics"


@dataclass(frozen=True)
class StatisticsAccess:
    """What a role may see, for screens to offer only that."""

    members: bool  # member statistics by store
    branches: bool  # branch KPIs
    agents: str  # "all", "store" (staff of the own store), "own" (own figures) or ""


def access_of(role: Role) -> StatisticsAccess:
    if role in MANAGERS:
        return StatisticsAccess(True, True, "all")
    if role == Role.STORE_MANAGER:
        return StatisticsAccess(True, True, "store")
    if role == Role.AGENT:
        return StatisticsAccess(False, False, "own")
    return StatisticsAccess(False, False, "")


@dataclass(frozen=True)
class _Scope:
    stores: list[Store]
    store_ids: list[int] | None  # None: every store (no filter in the queries)
    all_staff: bool
    staff_store_id: int | None  # agents of this store only (a branch manager)


class _Queries:
    """The aggregate queries of one report, each run at most once and only when asked for; or,
    given a rollup of the period (every store's raw figures), its figures of the stores in
    scope instead."""

    def __init__(
        self, session: Session, period: Period, scope: _Scope, rollup: dict[str, Any] | None = None
    ) -> None:
        self.session, self.period, self.ids = session, period, scope.store_ids
        self.rollup = rollup

    def _rolled(self, name: str) -> Raw | None:
        if self.rollup is None:
            return None
        return _raw(self.rollup[name], self.ids)

    @cached_property
    def membership(self) -> tuple[Raw, Raw]:
        if self.rollup is not None:
            totals, tiers = self.rollup["membership"]
            return _raw(totals, self.ids), _raw(tiers, self.ids)
        return members.membership(self.session, self.period, self.ids)

    @cached_property
    def purchases(self) -> Raw:
        rolled = self._rolled("purchases")
        if rolled is not None:
            return rolled
        return members.purchases(self.session, self.period, self.ids)

    @cached_property
    def purchases_in_period(self) -> Raw:
        """Without the retention cohort (a year less to read), unless it is there already."""
        if "purchases" in self.__dict__ or self.rollup is not None:
            return self.purchases
        return members.purchases(self.session, self.period, self.ids, retention=False)

    @cached_property
    def points(self) -> Raw:
        rolled = self._rolled("points")
        if rolled is not None:
            return rolled
        return members.points(self.session, self.period, self.ids)

    @cached_property
    def satisfaction(self) -> Raw:
        rolled = self._rolled("satisfaction")
        if rolled is not None:
            return rolled
        return members.satisfaction(self.session, self.period, self.ids)

    @cached_property
    def cards(self) -> Raw:
        rolled = self._rolled("cards")
        if rolled is not None:
            return rolled
        return members.cards_issued(self.session, self.period, self.ids)

    @cached_property
    def agents(self) -> dict[int, dict[str, int]]:
        if self.rollup is not None:
            return {k: v for k, v in _raw(self.rollup["agents"], None).items() if k is not None}
        return kpis.agent_figures(self.session, self.period)

    def everything(self) -> dict[str, Any]:
        """Every raw figure of the period, as a rollup holds them (JSON: keys as strings)."""
        totals, tiers = self.membership
        return {
            "membership": [_json(totals), _json(tiers)],
            "purchases": _json(self.purchases),
            "points": _json(self.points),
            "satisfaction": _json(self.satisfaction),
            "cards": _json(self.cards),
            "agents": _json(self.agents),
        }


def _json(raw: Raw) -> dict[str, dict[str, int]]:
    return {("null" if k is None else str(k)): dict(v) for k, v in raw.items()}


def _raw(data: dict[str, dict[str, int]], ids: list[int] | None) -> Raw:
    """A rollup's figures by store id, only the stores in `ids` (None: all)."""
    raw: Raw = {}
    for key, values in data.items():
        store_id = None if key == "null" else int(key)
        if ids is None or store_id in ids:
            raw[store_id] = dict(values)  # type: ignore[index]  # a line without a store
    return raw


class Statistics:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        audit: AuditLog,
        scheme: TierScheme,
        zone: tzinfo,
        min_group_size: int,
        export_roles: set[str],
        rollups: Rollups | None = None,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.audit = audit
        self.scheme = scheme
        self.zone = zone
        self.min_group_size = min_group_size
        self.export_roles = set(export_roles)
        self.rollups = rollups

    def period(
        self,
        *,
        first: date | None = None,
        after_last: date | None = None,
        months: int = DEFAULT_MONTHS,
    ) -> Period:
        return period_of_days(
            self.clock, self.zone, first=first, after_last=after_last, months=months
        )

    # Reports ------------------------------------------------------------------------------------
    def members(
        self, actor: Staff, period: Period, *, store_code: str | None = None, export: bool = False
    ) -> MemberStatistics:
        """Member counts, tiers, spend, visits, points, activity, retention and satisfaction by
        store. Managers, analysts and store managers (their own store) only."""
        with self._reading() as session:
            scope, why = self._scope(session, actor, store_code, export, "member statistics")
            if scope is not None:
                rollup, as_of = self._rollup(session, period)
                queries = _Queries(session, period, scope, rollup)
                stats = replace(self._member_statistics(scope, queries), as_of=as_of)
        self._audit(actor, "member_statistics", period, store_code, export, why)
        return stats

    def kpis(
        self,
        actor: Staff,
        period: Period,
        *,
        store_code: str | None = None,
        export: bool = False,
        branches: bool = True,
    ) -> Kpis:
        """Agents' KPIs and (unless `branches` is False) branches' KPIs. An agent gets their
        own figures only."""
        with self._reading() as session:
            scope, why = self._scope(session, actor, store_code, export, "KPIs")
            if scope is not None:
                if not branches:
                    scope = _Scope([], [], scope.all_staff, scope.staff_store_id)
                rollup, as_of = self._rollup(session, period)
                queries = _Queries(session, period, scope, rollup)
                kpis_ = replace(self._kpis(session, actor, scope, queries), as_of=as_of)
        self._audit(actor, "kpis", period, store_code, export, why)
        return kpis_

    def overview(self, actor: Staff, period: Period) -> tuple[MemberStatistics | None, Kpis]:
        """Both reports from one set of queries (the statistics screen shows both); member
        statistics are None for a role that may not have them. Audited as two reports."""
        if not access_of(actor.role).members:
            return None, self.kpis(actor, period)
        with self._reading() as session:
            scope, why = self._scope(session, actor, None, False, "member statistics")
            if scope is not None:
                rollup, as_of = self._rollup(session, period)
                queries = _Queries(session, period, scope, rollup)
                stats = replace(self._member_statistics(scope, queries), as_of=as_of)
                kpis_ = replace(self._kpis(session, actor, scope, queries), as_of=as_of)
        self._audit(actor, "member_statistics", period, None, False, why)
        self._audit(actor, "kpis", period, None, False, why)
        return stats, kpis_

    # Rollups ------------------------------------------------------------------------------------
    def refresh_rollups(self) -> list[Period]:
        """Computes every store's raw figures of each screen period directly and keeps them as
        that period's rollup (the scheduler's job). Returns the periods refreshed."""
        done: list[Period] = []
        if self.rollups is None:
            return done
        for months in ROLLUP_MONTHS:
            period = self.period(months=months)
            at = self.rollups.now()
            with self._reading() as session:
                data = _Queries(session, period, _Scope([], None, True, None)).everything()
            with immediate_session(self.sessions) as session:
                self.rollups.keep(session, ROLLUP, period_key(period.start, period.end), data, at)
                session.commit()
            done.append(period)
        return done

    def _rollup(
        self, session: Session, period: Period
    ) -> tuple[dict[str, Any] | None, datetime | None]:
        """The period's rollup and when it was computed, if there is a fresh one."""
        if self.rollups is None:
            return None, None
        found = self.rollups.fresh(session, ROLLUP, period_key(period.start, period.end))
        return (None, None) if found is None else found

    def _member_statistics(self, scope: _Scope, queries: _Queries) -> MemberStatistics:
        totals, tiers = queries.membership
        parts = [totals, queries.purchases, queries.points, queries.satisfaction]
        stores = self._shown_stores(scope, parts)
        raw = []
        for store in stores:
            store_id = saved_id(store)
            row = {k: v for part in parts for k, v in part.get(store_id, {}).items()}
            row.update({f"tier:{t}": n for t, n in tiers.get(store_id, {}).items()})
            raw.append(row)
        period = queries.period
        return figures.member_statistics(
            start=period.start,
            end=period.end,
            stores=[_label(s) for s in stores],
            raw=raw,
            tiers=self._tier_codes({t for by_tier in tiers.values() for t in by_tier}),
            minimum=self.min_group_size,
        )

    def _kpis(self, session: Session, actor: Staff, scope: _Scope, queries: _Queries) -> Kpis:
        period = queries.period
        agents = self._agents(session, actor, scope, queries.agents)
        branches: list[BranchKpis] = []
        total: BranchKpis | None = None
        if scope.stores:
            totals, tiers = queries.membership
            parts = [totals, queries.purchases_in_period, queries.satisfaction, queries.cards]
            stores = self._shown_stores(scope, parts)
            raw = []
            for store in stores:
                store_id = saved_id(store)
                row = {k: v for part in parts for k, v in part.get(store_id, {}).items()}
                row.update({f"tier:{t}": n for t, n in tiers.get(store_id, {}).items()})
                raw.append(row)
            codes = self._tier_codes({t for by_tier in tiers.values() for t in by_tier})
            branches, total = figures.branch_kpis(
                [_label(s) for s in stores], raw, self.min_group_size, codes
            )
        return Kpis(
            start=period.start,
            end=period.end,
            min_group_size=self.min_group_size,
            agents=tuple(agents),
            branches=tuple(branches),
            total=total,
        )

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        """A plain read transaction. On PostgreSQL without parallel workers: in the measured
        plans each worker computed the whole per-member sums again (three times the work for
        the same time), so one process does it once."""
        with self.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
            yield session

    # Scope --------------------------------------------------------------------------------------
    def _scope(
        self, session: Session, actor: Staff, store_code: str | None, export: bool, what: str
    ) -> tuple[_Scope | None, str | None]:
        """The stores and staff `actor` may see, or why not."""
        rights = access_of(actor.role)
        if not actor.active:
            return None, f"{actor.username} is not an active staff member"
        if export and str(actor.role) not in self.export_roles:
            return None, f"{actor.role} may not export reports"
        if what == "member statistics" and not rights.members:
            return None, f"{actor.role} may not read member statistics (managers and analysts only)"
        if not rights.agents:
            return None, f"{actor.role} may not read statistics"
        if rights.agents == "own":
            return _Scope([], [], False, None), None
        chosen = None
        if store_code:
            chosen = session.scalar(select(Store).where(col(Store.code) == store_code))
            if chosen is None:
                raise ValidationError("store", f"no store with code {store_code!r}")
        if actor.role == Role.STORE_MANAGER or not serves_all_stores(session, actor):
            own = session.get_one(Store, actor.store_id)  # branch staff have a store
            if chosen is not None and chosen.id != own.id:
                return None, "a branch's staff report on their own store only"
            return _Scope([own], [saved_id(own)], False, own.id), None
        if chosen is not None:
            return _Scope([chosen], [saved_id(chosen)], True, None), None
        stores = list(session.scalars(select(Store).order_by(col(Store.code))))
        return _Scope(stores, None, True, None), None

    def _shown_stores(self, scope: _Scope, parts: list[Raw]) -> list[Store]:
        """Every branch in scope; head office only where it has figures of its own."""
        with_data = {store_id for part in parts for store_id in part}
        return [
            s
            for s in scope.stores
            if s.kind != StoreKind.HEADQUARTERS or s.id in with_data or scope.store_ids is not None
        ]

    def _agents(
        self, session: Session, actor: Staff, scope: _Scope, found: dict[int, dict[str, int]]
    ) -> list[AgentKpis]:
        if scope.all_staff:
            ids = set(found)
        elif scope.staff_store_id is not None:
            ids = set(
                session.scalars(
                    select(col(Staff.id)).where(
                        col(Staff.store_id) == scope.staff_store_id, col(Staff.id).in_(list(found))
                    )
                )
            )
        else:
            ids = {saved_id(actor)}
        people = session.scalars(
            select(Staff).where(col(Staff.id).in_(ids)).order_by(col(Staff.username))
        )
        empty = dict.fromkeys(kpis.FIGURES, 0)
        return [
            figures.agent_kpis(p, found.get(saved_id(p), empty), self.min_group_size)
            for p in people
        ]

    def _tier_codes(self, seen: set[str]) -> tuple[str, ...]:
        scheme = tuple(t.code for t in self.scheme.tiers)
        return scheme + tuple(sorted(seen - set(scheme)))

    # Audit --------------------------------------------------------------------------------------
    def _audit(
        self,
        actor: Staff,
        report: str,
        period: Period,
        store_code: str | None,
        export: bool,
        why: str | None,
    ) -> None:
        detail = {
            "report": report,
            "store": store_code,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
        }
        if why:
            detail["why"] = why
        with immediate_session(self.sessions) as session:
            self.audit.record(
                session,
                action="export" if export else "aggregate",
                result="denied" if why else "allowed",
                actor_id=actor.id,
                purpose=Purpose.EXPORT.value if export else "",
                detail=detail,
            )
            session.commit()
        if why:
            raise AccessDenied(why)


def _label(store: Store) -> StoreLabel:
    return StoreLabel(store.code, store.name)
