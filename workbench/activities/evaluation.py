"""The evaluation of an activity (活動總結): participants against sign-ups against invitations,
satisfaction, the participants' spend in the 30 days after against the 30 days before compared
with similar members who did not take part, and the cost per participant against the budget.
Aggregates only, with the small-group protection of workbench/masking/groups.py.

The comparison group (docs/activities.md says why): members invited to the activity who did not
check in, of the same tier and store as participants. Each (tier, store) cell's change in spend
per member is weighted by the participants in that cell, so a gold-heavy activity is compared
with gold members; a cell with fewer comparison members than the minimum group size is left out
(its mean would be one or two members' spend), and the participants' figures then cover only the
cells compared.

`figures()` is pure: it takes the grouped sums one query returns (`EvaluationService.cells`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select, union
from sqlmodel import Session, col

from workbench.activities.models import Activity, ActivityInvitation, ActivitySignup
from workbench.activities.service import ActivityCounts
from workbench.db.ids import saved_id
from workbench.masking.groups import COMPLEMENT, GROUP, SMALL, protect_breakdown
from workbench.members.models import Member, Purchase

WINDOW = timedelta(days=30)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SpendCell:
    """One (tier, store) cell of the members compared: participants or not."""

    tier: str
    store_id: int
    took_part: bool
    members: int
    before: Decimal  # spend in the 30 days before the start
    after: Decimal  # spend in the 30 days after the end


@dataclass(frozen=True)
class Spend:
    """A group's spend: None where it is hidden (a small group) or there is nobody."""

    members: int | None
    mean_before: Decimal | None
    mean_after: Decimal | None
    change: Decimal | None  # mean after − mean before, per member


@dataclass(frozen=True)
class Evaluation:
    code: str
    theme: str
    state: str
    starts_at: datetime
    ends_at: datetime
    minimum: int  # the small-group size the figures are protected with
    # Counts of members; None where hidden (`hidden` says why: small, complement).
    invited: int | None
    signed_up: int | None  # confirmed places (at the close: participants + no-shows)
    waitlisted: int | None
    participants: int | None  # checked in
    no_shows: int | None
    take_up: Decimal | None  # signed up / invited
    attendance: Decimal | None  # participants / signed up
    # Satisfaction: responses, their mean and how many gave each score.
    responses: int | None
    satisfaction: Decimal | None
    scores: Mapping[int, int | None]
    # Spend before and after; the lift is the participants' change less the comparison's.
    before_from: datetime
    after_until: datetime
    after_complete: bool  # the 30 days after have passed (else the figures are so far)
    took_part: Spend
    compared: Spend
    lift: Decimal | None
    cells_left_out: int  # participants' cells with too few comparison members
    # Money: the budget against the places and the participants.
    budget: Decimal
    capacity: int
    cost_per_place: Decimal
    cost_per_participant: Decimal | None
    points_credited: int | None
    # What it cost (recorded after it; None: not yet), per participant and against the budget.
    actual_cost: Decimal | None = None
    actual_per_participant: Decimal | None = None
    over_budget: Decimal | None = None  # actual − budget (negative: under it)
    hidden: Mapping[str, str] = field(default_factory=dict)  # figure -> small, group, complement


def _mean(total: Decimal, n: int) -> Decimal:
    return (total / n).quantize(CENT)


def _share(part: int | None, whole: int | None) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"))


def figures(
    activity: Activity,
    counts: ActivityCounts,
    scores: Mapping[int, int],
    cells: Iterable[SpendCell],
    *,
    minimum: int,
    now: datetime,
) -> Evaluation:
    """The evaluation from the counts, the scores given and the spend cells, protected."""
    hidden: dict[str, str] = {}

    def small(n: int) -> bool:
        return 0 < n < minimum

    raw = {
        "invited": counts.invited,
        "signed_up": counts.confirmed,
        "waitlisted": counts.waitlisted,
    }
    for name, n in raw.items():
        if small(n):
            hidden[name] = SMALL
    # signed up = participants + no-shows once closed (before: + those yet to come)
    attendance_line = {
        "participants": counts.checked_in,
        "no_shows": counts.no_shows,
        "yet_to_come": counts.confirmed - counts.checked_in - counts.no_shows,
    }
    shown_total = "signed_up" not in hidden
    for name, why in protect_breakdown(attendance_line, minimum, total_shown=shown_total).items():
        hidden[name] = why
    if not shown_total and "participants" not in hidden and "no_shows" not in hidden:
        # the two would add up to the hidden total: the smaller goes too
        smaller = min(("participants", "no_shows"), key=lambda k: attendance_line[k])
        if attendance_line[smaller] > 0:
            hidden[smaller] = COMPLEMENT

    def count(name: str, n: int) -> int | None:
        return None if name in hidden else n

    # Satisfaction: the scores' breakdown under the responses' total.
    responses = sum(scores.values())
    score_cells = {s: scores.get(s, 0) for s in range(1, 6)}
    score_hidden: dict[int, str] = {}
    if small(responses):
        hidden["responses"] = SMALL
        score_hidden = {s: GROUP for s, n in score_cells.items() if n}
    else:
        score_hidden = protect_breakdown(score_cells, minimum)
    for s, why in score_hidden.items():
        hidden[f"score_{s}"] = why
    satisfaction = None
    if responses and "responses" not in hidden:
        total = sum(s * n for s, n in score_cells.items())
        satisfaction = (Decimal(total) / responses).quantize(Decimal("0.01"))

    took_part, compared, lift, left_out = _spend(list(cells), minimum, hidden)
    participants = count("participants", counts.checked_in)
    cost_per_participant = None
    if participants:
        cost_per_participant = _mean(activity.budget, participants)
    elif counts.checked_in and "participants" in hidden:
        hidden["cost_per_participant"] = hidden["participants"]
    points = counts.points_credited if participants is not None else None
    actual, actual_per_participant = activity.actual_cost, None
    if actual is not None and participants:
        actual_per_participant = _mean(actual, participants)
    elif actual is not None and "cost_per_participant" in hidden:
        hidden["actual_per_participant"] = hidden["cost_per_participant"]
    return Evaluation(
        code=activity.code or "",
        theme=activity.theme,
        state=activity.state,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        minimum=minimum,
        invited=count("invited", counts.invited),
        signed_up=count("signed_up", counts.confirmed),
        waitlisted=count("waitlisted", counts.waitlisted),
        participants=participants,
        no_shows=count("no_shows", counts.no_shows),
        take_up=_share(count("signed_up", counts.confirmed), count("invited", counts.invited)),
        attendance=_share(participants, count("signed_up", counts.confirmed)),
        responses=None if "responses" in hidden else responses,
        satisfaction=satisfaction,
        scores={s: (None if s in score_hidden else n) for s, n in score_cells.items()},
        before_from=activity.starts_at - WINDOW,
        after_until=activity.ends_at + WINDOW,
        after_complete=now >= activity.ends_at + WINDOW,
        took_part=took_part,
        compared=compared,
        lift=lift,
        cells_left_out=left_out,
        budget=activity.budget,
        capacity=activity.capacity,
        cost_per_place=_mean(activity.budget, activity.capacity),
        cost_per_participant=cost_per_participant,
        points_credited=points,
        actual_cost=actual,
        actual_per_participant=actual_per_participant,
        over_budget=None if actual is None else actual - activity.budget,
        hidden=hidden,
    )


def _spend(
    cells: list[SpendCell], minimum: int, hidden: dict[str, str]
) -> tuple[Spend, Spend, Decimal | None, int]:
    """The participants' and the comparison's spend over the cells compared, and the lift."""
    others = {(c.tier, c.store_id): c for c in cells if not c.took_part}
    mine = [c for c in cells if c.took_part and c.members]
    compared_cells = [
        c for c in mine if (o := others.get((c.tier, c.store_id))) and o.members >= minimum
    ]
    left_out = len(mine) - len(compared_cells)
    p = sum(c.members for c in compared_cells)
    nobody = Spend(None, None, None, None)
    if not p:
        return nobody, nobody, None, left_out
    if p < minimum:
        hidden["took_part_spend"] = GROUP
        hidden["compared_spend"] = GROUP  # weighted by the participants: it would show them
        return Spend(None, None, None, None), nobody, None, left_out
    before = sum((c.before for c in compared_cells), Decimal(0))
    after = sum((c.after for c in compared_cells), Decimal(0))
    took_part = Spend(p, _mean(before, p), _mean(after, p), _mean(after - before, p))
    # The comparison: each cell's means, weighted by the participants in that cell.
    w_before = w_after = Decimal(0)
    n = 0
    for c in compared_cells:
        o = others[(c.tier, c.store_id)]
        w_before += o.before / o.members * c.members
        w_after += o.after / o.members * c.members
        n += o.members
    compared = Spend(
        n,
        (w_before / p).quantize(CENT),
        (w_after / p).quantize(CENT),
        ((w_after - w_before) / p).quantize(CENT),
    )
    assert took_part.change is not None and compared.change is not None
    return took_part, compared, (took_part.change - compared.change).quantize(CENT), left_out


class EvaluationService:
    """Reads what `figures` needs: the scores given and the spend cells (one grouped query)."""

    def scores(self, session: Session, activity: Activity) -> dict[int, int]:
        rows = session.execute(
            select(col(ActivitySignup.satisfaction), func.count())
            .where(
                col(ActivitySignup.activity_id) == activity.id,
                col(ActivitySignup.satisfaction).is_not(None),
            )
            .group_by(col(ActivitySignup.satisfaction))
        )
        return {int(score): int(n) for score, n in rows}

    def cells(self, session: Session, activity: Activity) -> list[SpendCell]:
        """Per (tier, store, took part): members and their spend before and after. The members
        are those invited and those checked in (a member signed up by staff may not have
        been invited); took part = checked in."""
        aid = saved_id(activity)
        before_from, starts = activity.starts_at - WINDOW, activity.starts_at
        ends, after_until = activity.ends_at, activity.ends_at + WINDOW
        people = union(
            select(col(ActivityInvitation.member_id).label("member_id")).where(
                col(ActivityInvitation.activity_id) == aid
            ),
            select(col(ActivitySignup.member_id).label("member_id")).where(
                col(ActivitySignup.activity_id) == aid,
                col(ActivitySignup.checked_in_at).is_not(None),
            ),
        ).subquery()
        attended = (
            select(col(ActivitySignup.member_id).label("member_id"))
            .where(
                col(ActivitySignup.activity_id) == aid,
                col(ActivitySignup.checked_in_at).is_not(None),
            )
            .subquery()
        )
        at = col(Purchase.occurred_at)
        amount = col(Purchase.amount)
        zero = literal(0)
        per_member = (
            select(
                col(Member.id).label("member_id"),
                col(Member.tier_code).label("tier"),
                col(Member.store_id).label("store_id"),
                (attended.c.member_id.is_not(None)).label("took_part"),
                func.coalesce(
                    func.sum(case((and_(at >= before_from, at < starts), amount), else_=zero)),
                    zero,
                ).label("before"),
                func.coalesce(
                    func.sum(case((and_(at >= ends, at < after_until), amount), else_=zero)),
                    zero,
                ).label("after"),
            )
            .select_from(people)
            .join(Member, col(Member.id) == people.c.member_id)
            .outerjoin(attended, attended.c.member_id == people.c.member_id)
            .outerjoin(
                Purchase,
                and_(
                    col(Purchase.member_id) == people.c.member_id,
                    at >= before_from,
                    at < after_until,
                ),
            )
            .group_by(
                col(Member.id), col(Member.tier_code), col(Member.store_id), attended.c.member_id
            )
            .subquery()
        )
        rows = session.execute(
            select(
                per_member.c.tier,
                per_member.c.store_id,
                per_member.c.took_part,
                func.count(),
                func.sum(per_member.c.before),
                func.sum(per_member.c.after),
            ).group_by(per_member.c.tier, per_member.c.store_id, per_member.c.took_part)
        )
        return [
            SpendCell(
                tier=tier,
                store_id=int(store_id),
                took_part=bool(took),
                members=int(n),
                before=Decimal(str(before or 0)).quantize(CENT),
                after=Decimal(str(after or 0)).quantize(CENT),
            )
            for tier, store_id, took, n, before, after in rows
        ]
