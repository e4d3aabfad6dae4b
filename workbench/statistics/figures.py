"""The figures a report shows, built from the raw counts with small groups hidden: member
statistics by store, and KPIs of agents and branches. A hidden figure is None, and each row
says why in `hidden` (figure -> SMALL, GROUP or COMPLEMENT): only a SMALL count is under the
minimum, so only it may be shown as "<minimum"; a figure computed from a hidden one is None
without a reason of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from workbench.masking.groups import Hidden, Rules, protect

if TYPE_CHECKING:
    from workbench.members.models import Staff

CENT = Decimal("0.01")
TOTAL = "*"  # the store code of the row over every store in the report


@dataclass(frozen=True)
class StoreLabel:
    code: str
    name: str


@dataclass(frozen=True)
class StoreFigures:
    """A store's members (or all stores' in the total row) in the period."""

    store: str
    store_name: str
    members: int | None  # on the books at the end of the period
    tiers: dict[str, int | None]  # those members by their current tier
    joined: int | None
    ended: int | None  # memberships that ended (terminated) in the period
    active: int | None  # members with a purchase in the period
    active_pct: float | None
    spend: Decimal | None  # yuan
    spend_per_active: Decimal | None
    visits: int | None  # purchases
    visits_per_active: float | None
    points_issued: int | None
    points_redeemed: int | None
    points_expired: int | None
    participants: int | None  # members who took part in an activity
    participation_pct: float | None
    retention_cohort: int | None  # bought in the previous period
    retention_pct: float | None  # of the cohort, bought again in this one
    churn_pct: float | None
    satisfaction_scores: int | None
    satisfaction_average: float | None
    hidden: dict[str, str] = field(default_factory=dict)  # figure -> why it is hidden


@dataclass(frozen=True)
class MemberStatistics:
    start: datetime
    end: datetime
    min_group_size: int
    tiers: tuple[str, ...]  # tier codes, lowest first
    stores: tuple[StoreFigures, ...]
    total: StoreFigures
    as_of: datetime | None = None  # when a rollup's figures were computed; None: just now

    def to_dict(self) -> dict[str, object]:
        return {name: jsonable(value) for name, value in asdict(self).items()}


@dataclass(frozen=True)
class AgentKpis:
    username: str
    name: str
    role: str
    calls: int  # callback calls made
    reached: int
    reach_rate_pct: float | None
    callbacks_done: int  # calls that finished a task with the member spoken to
    complaints_closed: int
    complaints_resolved: int  # closed with the member satisfied
    satisfaction_scores: int
    satisfaction_average: float | None  # hidden under the minimum number of scores


@dataclass(frozen=True)
class BranchKpis:
    store: str
    store_name: str
    cards_issued: int | None
    members: int | None
    active: int | None
    active_pct: float | None
    complaints: int | None
    complaint_rate: float | None  # complaints per 1,000 members
    satisfaction_scores: int | None
    satisfaction_average: float | None
    hidden: dict[str, str] = field(default_factory=dict)  # figure -> why it is hidden


@dataclass(frozen=True)
class Kpis:
    start: datetime
    end: datetime
    min_group_size: int
    agents: tuple[AgentKpis, ...]
    branches: tuple[BranchKpis, ...]
    total: BranchKpis | None  # None when the reader sees no branch
    as_of: datetime | None = None  # when a rollup's figures were computed; None: just now

    def to_dict(self) -> dict[str, object]:
        return {name: jsonable(value) for name, value in asdict(self).items()}


# How the figures are grouped on screens and in tables (the CLI and the TUI show the same).
MEMBER_SECTIONS: dict[str, tuple[str, ...]] = {
    "members": ("members", "joined", "ended", "active", "active_pct"),
    "tiers": (),  # one column per tier
    "spend": ("active", "spend", "spend_per_active", "visits", "visits_per_active"),
    "points": (
        "points_issued",
        "points_redeemed",
        "points_expired",
        "participants",
        "participation_pct",
    ),
    "retention": (
        "retention_cohort",
        "retention_pct",
        "churn_pct",
        "satisfaction_scores",
        "satisfaction_average",
    ),
}
BRANCH_FIELDS = (
    "cards_issued",
    "members",
    "active",
    "active_pct",
    "complaints",
    "complaint_rate",
    "satisfaction_scores",
    "satisfaction_average",
)
AGENT_FIELDS = (
    "calls",
    "reached",
    "reach_rate_pct",
    "callbacks_done",
    "complaints_closed",
    "complaints_resolved",
    "satisfaction_scores",
    "satisfaction_average",
)
# Figures that count members.
COUNT_FIELDS = frozenset(
    {
        "members",
        "joined",
        "ended",
        "active",
        "participants",
        "retention_cohort",
        "satisfaction_scores",
        "cards_issued",
        "complaints",
    }
)


# Member statistics ------------------------------------------------------------------------------
MEMBER_COUNTS = (
    "members",
    "joined",
    "ended",
    "active",
    "participants",
    "cohort",
    "retained",
    "earners",
    "redeemers",
    "expirers",
    "scores",
)
MEMBER_SUMS = {
    "spend_fen": "active",
    "visits": "active",
    "points_issued": "earners",
    "points_redeemed": "redeemers",
    "points_expired": "expirers",
    "score_sum": "scores",
}
# A raw figure -> the figure shown from it (raw figures not shown themselves are left out).
MEMBER_SHOWN = {"cohort": "retention_cohort", "scores": "satisfaction_scores", "spend_fen": "spend"}
MEMBER_SHOWN |= {
    n: n
    for n in (
        "members",
        "joined",
        "ended",
        "active",
        "participants",
        "visits",
        "points_issued",
        "points_redeemed",
        "points_expired",
    )
}


def member_statistics(
    *,
    start: datetime,
    end: datetime,
    stores: list[StoreLabel],
    raw: list[dict[str, int]],
    tiers: tuple[str, ...],
    minimum: int,
) -> MemberStatistics:
    cells = tuple(f"tier:{t}" for t in tiers)
    names = (*MEMBER_COUNTS, *MEMBER_SUMS, *cells)
    rows = [{n: row.get(n, 0) for n in names} for row in raw]
    total = {n: sum(row[n] for row in rows) for n in names}
    rules = Rules(
        counts=(*MEMBER_COUNTS, *cells),
        parts={"active": "members", "participants": "members", "retained": "cohort"},
        sums=MEMBER_SUMS,
        breakdowns={"members": cells},
    )
    hidden = protect(rows, total, rules, minimum)
    shown = MEMBER_SHOWN | {c: c for c in cells}
    figures = [_store_figures(s, rows[i], hidden, i, tiers, shown) for i, s in enumerate(stores)]
    return MemberStatistics(
        start=start,
        end=end,
        min_group_size=minimum,
        tiers=tiers,
        stores=tuple(figures),
        total=_store_figures(StoreLabel(TOTAL, ""), total, hidden, -1, tiers, shown),
    )


def _reasons(hidden: Hidden, index: int, shown: Mapping[str, str]) -> dict[str, str]:
    """Why each shown figure of a row is hidden, by the name the report gives it."""
    reasons = hidden.reasons_of(index)
    return {shown[raw]: why for raw, why in sorted(reasons.items()) if raw in shown}


def _store_figures(
    store: StoreLabel,
    row: Mapping[str, int],
    hidden: Hidden,
    index: int,
    tiers: tuple[str, ...],
    shown: Mapping[str, str],
) -> StoreFigures:
    f = _Shown(row, hidden.of(index))
    spend = f.get("spend_fen")
    return StoreFigures(
        store=store.code,
        store_name=store.name,
        members=f.get("members"),
        tiers={t: f.get(f"tier:{t}") for t in tiers},
        joined=f.get("joined"),
        ended=f.get("ended"),
        active=f.get("active"),
        active_pct=f.share("active", "members"),
        spend=None if spend is None else _yuan(spend),
        spend_per_active=_yuan_mean(f, "spend_fen", "active"),
        visits=f.get("visits"),
        visits_per_active=f.mean("visits", "active", 2),
        points_issued=f.get("points_issued"),
        points_redeemed=f.get("points_redeemed"),
        points_expired=f.get("points_expired"),
        participants=f.get("participants"),
        participation_pct=f.share("participants", "members"),
        retention_cohort=f.get("cohort"),
        retention_pct=f.share("retained", "cohort"),
        churn_pct=f.rest_share("retained", "cohort"),
        satisfaction_scores=f.get("scores"),
        satisfaction_average=f.mean("score_sum", "scores", 2),
        hidden=_reasons(hidden, index, shown),
    )


# KPIs -------------------------------------------------------------------------------------------
BRANCH_COUNTS = ("cards", "members", "active", "complaints", "scores")
BRANCH_SHOWN = {
    "cards": "cards_issued",
    "members": "members",
    "active": "active",
    "complaints": "complaints",
    "scores": "satisfaction_scores",
}


def branch_kpis(
    stores: list[StoreLabel], raw: list[dict[str, int]], minimum: int, tiers: tuple[str, ...] = ()
) -> tuple[list[BranchKpis], BranchKpis]:
    """The tiers are not shown here but hide what they hide in the member statistics, so the
    two tables side by side give nothing more away than each alone."""
    cells = tuple(f"tier:{t}" for t in tiers)
    names = (*BRANCH_COUNTS, "score_sum", *cells)
    rows = [{n: row.get(n, 0) for n in names} for row in raw]
    total = {n: sum(row[n] for row in rows) for n in names}
    rules = Rules(
        counts=(*BRANCH_COUNTS, *cells),
        parts={"active": "members"},
        sums={"score_sum": "scores"},
        breakdowns={"members": cells},
    )
    hidden = protect(rows, total, rules, minimum)
    branches = [_branch(s, rows[i], hidden, i) for i, s in enumerate(stores)]
    return branches, _branch(StoreLabel(TOTAL, ""), total, hidden, -1)


def _branch(store: StoreLabel, row: Mapping[str, int], hidden: Hidden, index: int) -> BranchKpis:
    f = _Shown(row, hidden.of(index))
    return BranchKpis(
        store=store.code,
        store_name=store.name,
        cards_issued=f.get("cards"),
        members=f.get("members"),
        active=f.get("active"),
        active_pct=f.share("active", "members"),
        complaints=f.get("complaints"),
        complaint_rate=f.per_thousand("complaints", "members"),
        satisfaction_scores=f.get("scores"),
        satisfaction_average=f.mean("score_sum", "scores", 2),
        hidden=_reasons(hidden, index, BRANCH_SHOWN),
    )


def agent_kpis(staff: Staff, row: Mapping[str, int], minimum: int) -> AgentKpis:
    """Staff figures are shown; only the satisfaction mean of fewer scores than the minimum
    is hidden (a mean of two scores gives both members' answers away)."""
    scores = row["scores"]
    average = round(row["score_sum"] / scores, 2) if scores >= max(minimum, 1) else None
    return AgentKpis(
        username=staff.username,
        name=staff.display_name,
        role=str(staff.role),
        calls=row["calls"],
        reached=row["reached"],
        reach_rate_pct=round(100 * row["reached"] / row["calls"], 1) if row["calls"] else None,
        callbacks_done=row["callbacks_done"],
        complaints_closed=row["complaints_closed"],
        complaints_resolved=row["complaints_resolved"],
        satisfaction_scores=scores,
        satisfaction_average=average,
    )


# Helpers ----------------------------------------------------------------------------------------
class _Shown:
    """A row's figures as shown: hidden ones are None, and so is anything computed from them."""

    def __init__(self, row: Mapping[str, int], hidden: set[str]) -> None:
        self.row, self.hidden = row, hidden

    def get(self, name: str) -> int | None:
        return None if name in self.hidden else self.row[name]

    def mean(self, total: str, count: str, places: int) -> float | None:
        a, n = self.get(total), self.get(count)
        return None if a is None or not n else round(a / n, places)

    def share(self, part: str, whole: str) -> float | None:
        a, n = self.get(part), self.get(whole)
        return None if a is None or not n else round(100 * a / n, 1)

    def per_thousand(self, part: str, whole: str) -> float | None:
        a, n = self.get(part), self.get(whole)
        return None if a is None or not n else round(1000 * a / n, 1)

    def rest_share(self, part: str, whole: str) -> float | None:
        a, n = self.get(part), self.get(whole)
        return None if a is None or not n else round(100 * (n - a) / n, 1)


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def _yuan_mean(f: _Shown, fen: str, count: str) -> Decimal | None:
    total, n = f.get(fen), f.get(count)
    return None if total is None or not n else (Decimal(total) / 100 / n).quantize(CENT)


def jsonable(value: object) -> object:
    """Decimals as strings (exact yuan), instants in ISO 8601, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value
