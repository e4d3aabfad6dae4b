"""Member activities at the desk: plan (create, edit), submit, approve, cancel, list and show;
invite by tier; sign members up (staff, or the member's SMS reply), cancel a sign-up, the
waitlist and the participants; check in by card or member number; close with the no-shows; the
reminders the day before (the scheduler's job); the actual cost recorded after it.

Who does what (workbench has no marketing role: marketing staff are `analyst`, the role of
"other managers, marketing, HQ analysts", who see aggregates and never a participant):
- plan, edit, submit, invite: analysts (marketing), supervisors and administrators for any
  store; store managers for their own store only (its activities, its members);
- approve: supervisors, department heads and administrators — never the plan's planner;
- sign up, cancel a sign-up, see the waitlist and participants: the hotline and the counters
  (agents, sales, store managers, supervisors, administrators), for the members they may act on
  (member_refs: a branch its own store's, head office every store's), masked as in every list;
- check in: the store roles, supervisors and administrators; close and record the actual
  cost: the planners;
- exact counts (`show`, `counts`, places taken in lists): those who run the activity — its
  planner, the approvers, the holding store's manager; everyone else reads small groups as
  hidden (ShownCounts), as in the evaluation.
A store's staff see the activities their store holds or its members may take part in; an
activity they may not see is refused with the same words as one that does not exist."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from workbench.activities import rules
from workbench.activities.evaluation import Evaluation, EvaluationService, figures
from workbench.activities.invitations import BatchResult, Invitations
from workbench.activities.models import Activity, ActivityChange, ActivitySignup
from workbench.activities.rules import ActivityState, SignupStatus
from workbench.activities.service import (
    ActivityCounts,
    ActivityService,
    NotEligible,
    SignupClosed,
    UnknownActivity,
)
from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.ids import saved_id
from workbench.errors import InvalidPhoneNumber, InvalidState, PermissionDenied, ValidationError
from workbench.masking.groups import GROUP, protect_breakdown
from workbench.masking.text import refuse_unsafe
from workbench.members.models import Member, Role, Staff, Store, StoreKind
from workbench.members.registry import MemberRegistry
from workbench.members.tiers import TierScheme
from workbench.messaging.outbox import Outbox
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.branches import own_branch
from workbench.usecases.member_refs import (
    COUNTER_ROLES,
    MemberLine,
    find_member,
    may_act_on,
    member_line,
    staff_name,
)

if TYPE_CHECKING:
    from workbench.bootstrap import Services

PLANNERS = frozenset({Role.ANALYST, Role.STORE_MANAGER, Role.SUPERVISOR, Role.ADMIN})
APPROVERS = frozenset({Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.ADMIN})
SIGNUP_ROLES = COUNTER_ROLES  # the hotline and the counters
CHECKIN_ROLES = frozenset({Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR, Role.ADMIN})
VIEWERS = PLANNERS | APPROVERS | SIGNUP_ROLES
# Aggregates of an activity: who plans and approves (a store manager: their store's only).
EVALUATORS = PLANNERS | APPROVERS
# Who records a participant's satisfaction score told at the desk.
SCORE_ROLES = SIGNUP_ROLES | CHECKIN_ROLES
# The annual plan's states, in a plan's order ("planned" is a draft).
PLAN_STATES = (
    ActivityState.DRAFT,
    ActivityState.SUBMITTED,
    ActivityState.APPROVED,
    ActivityState.RUNNING,
    ActivityState.DONE,
    ActivityState.CANCELLED,
)


@dataclass(frozen=True)
class PlanForm:
    """A plan as a person types it: text, times in the local zone ("2026-04-18 14:00"). In
    `edit`, None leaves a field as it is; `store` is given only at creation."""

    kind: str | None = None
    theme: str | None = None
    content: str | None = None
    starts: str | None = None
    ends: str | None = None
    store: str | None = None
    place: str | None = None
    capacity: str | None = None
    budget: str | None = None
    tiers: str | None = None
    stores: str | None = None
    priority_opens: str | None = None
    signup_opens: str | None = None
    signup_closes: str | None = None
    cancel_until: str | None = None
    points: str | None = None
    channels: str | None = None


@dataclass(frozen=True)
class ActivityLine:
    code: str
    kind: str
    theme: str
    state: str
    starts_at: datetime
    ends_at: datetime
    store_code: str  # "" for head office
    place: str
    capacity: int
    taken: int | None  # None: a small group the reader does not see (ShownCounts)
    budget: Decimal
    points: int


@dataclass(frozen=True)
class ChangeLine:
    at: datetime
    staff: str
    field: str
    old: str
    new: str
    after_approval: bool


@dataclass(frozen=True)
class ShownCounts:
    """An activity's counts as the reader may see them. Exact (`exact`) for those who run it —
    its planner, the approving managers, the manager of the store holding it; for everyone
    else a count of 1 to minimum−1 members is None (read "<minimum"), and so is a count that
    would give such a group away (`hidden` says why: small, complement or group)."""

    invited: int | None
    invited_priority: int | None
    invitations_queued: int | None
    invitations_skipped: int | None
    invitations_pending: int | None
    confirmed: int | None
    waitlisted: int | None
    cancelled: int | None
    checked_in: int | None
    no_shows: int | None
    points_credited: int | None
    exact: bool
    minimum: int
    hidden: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ActivityDetail:
    line: ActivityLine
    content: str
    eligible_tiers: tuple[str, ...]  # empty: every tier
    eligible_stores: tuple[str, ...]  # empty: every store
    priority_tiers: tuple[str, ...]
    priority_opens_at: datetime
    signup_opens_at: datetime
    signup_closes_at: datetime
    cancel_until: datetime
    channels: str
    planner: str
    approved_by: str
    approved_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    actual_cost: Decimal | None  # recorded after the activity; None: not yet
    counts: ShownCounts
    changes: tuple[ChangeLine, ...]


@dataclass(frozen=True)
class InviteResult:
    code: str
    written: int  # new invitations (eligible members not invited before)
    invitations: int  # invitations handled by this run (new and left pending by an earlier one)
    messages: int  # queued into the outbox
    skipped: int  # invitations no message could go to
    reasons: dict[str, int]


@dataclass(frozen=True)
class SignupLine:
    member: MemberLine
    status: str
    channel: str
    queued_at: datetime
    checked_in_at: datetime | None
    no_show: bool


@dataclass(frozen=True)
class SignedUp:
    code: str
    member: MemberLine
    status: str  # confirmed or waitlisted
    already: bool
    waitlist_position: int | None


@dataclass(frozen=True)
class CheckedIn:
    code: str
    member: MemberLine
    already: bool
    points: int  # credited now (0 when already checked in)
    at: datetime


@dataclass(frozen=True)
class Closed:
    code: str
    checked_in: int
    no_shows: int


@dataclass(frozen=True)
class PlanMonth:
    month: int  # 1–12, in the local zone
    activities: tuple[ActivityLine, ...]


@dataclass(frozen=True)
class AnnualPlan:
    """A year's calendar: each month's activities (by start) and how many are in each state."""

    year: int
    store_code: str  # "" for the whole company (as the actor may see it)
    months: tuple[PlanMonth, ...]  # all twelve, some empty
    states: dict[str, int]  # every state of PLAN_STATES, in that order
    budget: Decimal  # of the activities not cancelled


@dataclass(frozen=True)
class ReplyOutcome:
    action: str  # activity_confirmed, activity_waitlisted, activity_refused
    code: str


class ActivityDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        cipher: FieldCipher,
        registry: MemberRegistry,
        service: ActivityService,
        invitations: Invitations,
        audit: AuditLog,
        scheme: TierScheme,
        zone: ZoneInfo,
        cancel_hours: int,
        min_group_size: int = 5,
    ) -> None:
        self.min_group_size = min_group_size
        self.evaluations = EvaluationService()
        self.uow = uow
        self.clock = clock
        self.cipher = cipher
        self.registry = registry
        self.service = service
        self.invitations = invitations
        self.audit = audit
        self.scheme = scheme
        self.zone = zone
        self.cancel_hours = cancel_hours

    # The plan ----------------------------------------------------------------------------------
    def create(self, actor: Staff, form: PlanForm) -> ActivityDetail:
        require_role(actor, PLANNERS, "plan activities")
        for name in ("kind", "theme", "starts", "ends", "capacity"):
            if not (getattr(form, name) or "").strip():
                raise ValidationError(name, "required")
        with self.uow.write() as session:
            store = self._planned_store(session, actor, form.store)
            values = self._values(session, actor, form)
            starts = values["starts_at"]
            assert isinstance(starts, datetime)
            now = self.clock.now()
            values.setdefault("signup_opens_at", now)
            values.setdefault("priority_opens_at", values["signup_opens_at"])
            values.setdefault("signup_closes_at", starts)
            values.setdefault("cancel_until", starts - timedelta(hours=self.cancel_hours))
            values.setdefault("budget", Decimal("0.00"))
            values.setdefault("channels", "sms")
            if store is not None and own_branch(session, actor) is not None:
                values.setdefault("eligible_stores", store.code)
            activity = self.service.create(
                session, planner=actor, values={"store_id": store.id if store else None, **values}
            )
            self._audit(session, actor, "activity_created", activity)
            return self._detail(session, actor, activity)

    def edit(self, actor: Staff, code: str, form: PlanForm) -> ActivityDetail:
        require_role(actor, PLANNERS, "change activity plans")
        if form.store is not None:
            raise ValidationError("store", "the store holding an activity cannot change")
        with self.uow.write() as session:
            activity = self._managed(session, actor, code)
            values = self._values(session, actor, form)
            if not values:
                raise ValidationError("edit", "nothing to change: give at least one field")
            changes = self.service.edit(session, activity, actor=actor, values=values)
            if changes:
                self._audit(
                    session, actor, "activity_changed", activity, fields=[c.field for c in changes]
                )
            return self._detail(session, actor, activity)

    def submit(self, actor: Staff, code: str) -> ActivityDetail:
        require_role(actor, PLANNERS, "submit activity plans")
        with self.uow.write() as session:
            activity = self._managed(session, actor, code)
            self.service.transition(session, activity, "submit", submitted_at=self.clock.now())
            self._audit(session, actor, "activity_submitted", activity)
            return self._detail(session, actor, activity)

    def approve(self, actor: Staff, code: str) -> ActivityDetail:
        require_role(actor, APPROVERS, "approve activity plans")
        with self.uow.write() as session:
            activity = self._visible(session, actor, code)
            if activity.planner_id == actor.id:
                raise PermissionDenied(
                    f"{actor.username} planned {activity.code}: another manager approves it"
                )
            self.service.transition(
                session,
                activity,
                "approve",
                approved_by_id=saved_id(actor),
                approved_at=self.clock.now(),
            )
            self._audit(session, actor, "activity_approved", activity)
            return self._detail(session, actor, activity)

    def return_plan(self, actor: Staff, code: str, reason: str) -> ActivityDetail:
        """Sends a submitted plan back to draft, with the reason recorded as a change."""
        require_role(actor, APPROVERS, "approve activity plans")
        if not (reason or "").strip():
            raise ValidationError("reason", "say what the planner should change")
        with self.uow.write() as session:
            activity = self._visible(session, actor, code)
            self.service.transition(session, activity, "return")
            session.add(
                ActivityChange(
                    activity_id=saved_id(activity),
                    staff_id=saved_id(actor),
                    at=self.clock.now(),
                    field="state",
                    old=ActivityState.SUBMITTED.value,
                    new=f"{ActivityState.DRAFT.value}: {reason.strip()}",
                )
            )
            self._audit(session, actor, "activity_returned", activity)
            return self._detail(session, actor, activity)

    def cancel_activity(self, actor: Staff, code: str, reason: str) -> tuple[ActivityDetail, int]:
        """Cancels the activity; everyone signed up or waitlisted is told (how many)."""
        require_role(actor, PLANNERS | APPROVERS, "cancel activities")
        if not (reason or "").strip():
            raise ValidationError("reason", "say why the activity is cancelled")
        with self.uow.write() as session:
            activity = self._managed(session, actor, code, approvers_too=True)
            told = self.service.cancel(session, activity, reason=reason.strip()[:300])
            self._audit(session, actor, "activity_cancelled", activity)
            return self._detail(session, actor, activity), told

    def close(self, actor: Staff, code: str) -> Closed:
        """After the activity: done, and the confirmed members who did not come are no-shows."""
        require_role(actor, PLANNERS, "close activities")
        with self.uow.write() as session:
            activity = self._managed(session, actor, code)
            self.service.close(session, activity)
            counts = self.service.counts(session, activity)
            self._audit(session, actor, "activity_closed", activity, no_shows=counts.no_shows)
            return Closed(activity.code or "", counts.checked_in, counts.no_shows)

    def record_cost(self, actor: Staff, code: str, amount: str) -> ActivityDetail:
        """What the activity actually cost, recorded by a planner once it has ended (again to
        correct it: each time a change of the plan's record); the evaluation sets it against
        the participants and the budget."""
        require_role(actor, PLANNERS, "record what activities cost")
        cost = _money((amount or "").strip(), "actual_cost")
        with self.uow.write() as session:
            activity = self.service.lock(session, self._managed(session, actor, code))
            if activity.state not in (ActivityState.RUNNING, ActivityState.DONE) or (
                self.clock.now() < activity.ends_at
            ):
                raise InvalidState(
                    f"{activity.code} is {activity.state}: its cost is recorded after it has "
                    "taken place"
                )
            old = activity.actual_cost
            if old != cost:
                activity.actual_cost = cost
                session.add(
                    ActivityChange(
                        activity_id=saved_id(activity),
                        staff_id=saved_id(actor),
                        at=self.clock.now(),
                        field="actual_cost",
                        old="" if old is None else f"{old:.2f}",
                        new=f"{cost:.2f}",
                        after_approval=True,
                    )
                )
                self._audit(session, actor, "activity_cost_recorded", activity)
            return self._detail(session, actor, activity)

    # Reading -----------------------------------------------------------------------------------
    def list(
        self, actor: Staff, *, state: str | None = None, year: int | None = None
    ) -> tuple[ActivityLine, ...]:
        require_role(actor, VIEWERS, "see activities")
        if state and state not in {s.value for s in ActivityState}:
            known = ", ".join(s.value for s in ActivityState)
            raise ValidationError("state", f"one of {known}")
        with self.uow.read() as session:
            query = select(Activity).order_by(col(Activity.starts_at), col(Activity.id))
            if state:
                query = query.where(col(Activity.state) == state)
            if year:
                first, last = self._year_bounds(year)
                query = query.where(
                    col(Activity.starts_at) >= first, col(Activity.starts_at) < last
                )
            stores = _store_codes(session)
            return tuple(
                self._line_for(session, actor, a, stores)
                for a in session.scalars(query)
                if self._may_see(session, actor, a)
            )

    def awaiting_approval(self, actor: Staff) -> tuple[ActivityLine, ...]:
        """The approvers' queue: submitted plans the actor may approve (never their own),
        the longest waiting first; empty for anyone who does not approve plans."""
        if actor.role not in APPROVERS:
            return ()
        with self.uow.read() as session:
            query = (
                select(Activity)
                .where(
                    col(Activity.state) == ActivityState.SUBMITTED.value,
                    col(Activity.planner_id) != actor.id,
                )
                .order_by(col(Activity.submitted_at), col(Activity.id))
            )
            stores = _store_codes(session)
            return tuple(
                self._line_for(session, actor, a, stores)
                for a in session.scalars(query)
                if self._may_see(session, actor, a)
            )

    def show(self, actor: Staff, code: str) -> ActivityDetail:
        require_role(actor, VIEWERS, "see activities")
        with self.uow.read() as session:
            return self._detail(session, actor, self._visible(session, actor, code))

    def may_change(self, actor: Staff, code: str) -> bool:
        """Whether the actor may change the activity's plan (a screen offers its keys so):
        a planner, and at a store only for the store's own activities."""
        require_role(actor, VIEWERS, "see activities")
        with self.uow.read() as session:
            try:
                self._managed(session, actor, code)
            except PermissionDenied:
                return False
            return True

    def counts(self, actor: Staff, code: str) -> ShownCounts:
        require_role(actor, VIEWERS, "see activities")
        with self.uow.read() as session:
            activity = self._visible(session, actor, code)
            return self._shown_counts(session, actor, activity)

    def _runs(self, session: Session, actor: Staff, activity: Activity) -> bool:
        """Whether the actor runs the activity and so sees its exact counts: its planner, the
        managers who approve plans, the manager of the store holding it."""
        if actor.id == activity.planner_id or actor.role in APPROVERS:
            return True
        own = own_branch(session, actor)
        return actor.role == Role.STORE_MANAGER and own is not None and own.id == activity.store_id

    def _shown_counts(self, session: Session, actor: Staff, activity: Activity) -> ShownCounts:
        counts = self.service.counts(session, activity)
        exact = self._runs(session, actor, activity)
        values: dict[str, int | None] = {f.name: getattr(counts, f.name) for f in fields(counts)}
        hidden = {} if exact else _small_counts(counts, self.min_group_size)
        for name in hidden:
            values[name] = None
        return ShownCounts(**values, exact=exact, minimum=self.min_group_size, hidden=hidden)

    def participants(
        self, actor: Staff, code: str, *, statuses: tuple[str, ...] | None = None
    ) -> tuple[SignupLine, ...]:
        """Sign-ups (waitlist order) of the members the actor may act on, masked."""
        require_role(actor, SIGNUP_ROLES, "see an activity's participants")
        wanted = statuses or (SignupStatus.CONFIRMED.value, SignupStatus.WAITLISTED.value)
        with self.uow.read() as session:
            activity = self._visible(session, actor, code)
            all_stores = own_branch(session, actor) is None
            return tuple(
                self._signup_line(signup, member)
                for signup, member in self.service.signups(session, activity, wanted)
                if may_act_on(actor, member, all_stores=all_stores)
            )

    def waitlist(self, actor: Staff, code: str) -> tuple[SignupLine, ...]:
        return self.participants(actor, code, statuses=(SignupStatus.WAITLISTED.value,))

    # Invitations -------------------------------------------------------------------------------
    def invite(self, actor: Staff, code: str) -> InviteResult:
        """Invites every eligible member not invited yet (set-based), then queues their
        messages a batch per transaction, priority tiers first. Safe to run again: it finishes
        what a run cut short and invites members who became eligible since."""
        require_role(actor, PLANNERS, "invite members to activities")
        with self.uow.write() as session:
            activity = self.service.lock(session, self._managed(session, actor, code))
            if activity.state not in rules.OPEN_FOR_SIGNUP:
                raise InvalidState(
                    f"the activity is {activity.state}: invitations go out once it is approved"
                )
            written = self.invitations.write(
                session,
                activity,
                self.service.eligibility(activity),
                self.service.priority_tiers(),
            )
            extra = {
                **self.service.context(session, activity),
                "signup_opens": activity.signup_opens_at.astimezone(self.zone).strftime(
                    "%Y-%m-%d %H:%M"
                ),
            }
            activity_id = saved_id(activity)
        total = BatchResult()
        while True:
            with self.uow.write() as session:
                activity = session.get_one(Activity, activity_id)
                batch = self.invitations.queue_batch(session, activity, extra)
                if batch is None:
                    break
            total.invitations += batch.invitations
            total.messages += batch.messages
            total.skipped += batch.skipped
            for reason, n in batch.reasons.items():
                total.reasons[reason] = total.reasons.get(reason, 0) + n
        with self.uow.write() as session:
            activity = session.get_one(Activity, activity_id)
            self._audit(
                session, actor, "activity_invited", activity, written=written, queued=total.messages
            )
        return InviteResult(
            code=activity.code or "",
            written=written,
            invitations=total.invitations,
            messages=total.messages,
            skipped=total.skipped,
            reasons=dict(total.reasons),
        )

    # Sign-ups ----------------------------------------------------------------------------------
    def sign_up(self, actor: Staff, code: str, member_ref: str) -> SignedUp:
        require_role(actor, SIGNUP_ROLES, "sign members up for activities")
        with self.uow.write() as session:
            activity = self._visible(session, actor, code)
            member = find_member(session, self.registry, actor, member_ref)
            outcome = self.service.sign_up(
                session, activity, member, channel="staff", staff_id=saved_id(actor)
            )
            return SignedUp(
                code=activity.code or "",
                member=member_line(self.cipher, member),
                status=outcome.signup.status,
                already=outcome.already,
                waitlist_position=outcome.waitlist_position,
            )

    def cancel_signup(self, actor: Staff, code: str, member_ref: str) -> SignupLine:
        require_role(actor, SIGNUP_ROLES, "cancel sign-ups")
        with self.uow.write() as session:
            activity = self._visible(session, actor, code)
            member = find_member(session, self.registry, actor, member_ref)
            signup = self.service.cancel_signup(session, activity, member)
            return self._signup_line(signup, member)

    def reply(self, session: Session, member: Member, code: str) -> ReplyOutcome | None:
        """A member's SMS reply naming an activity code ("报名 A12"), inside the reply's own
        transaction (usecases/replies.py): signs them up as staff would, and answers by SMS
        when it cannot. None: no such activity (the reply is treated as any other text)."""
        try:
            activity = self.service.by_code(session, code)
        except UnknownActivity:
            return None
        try:
            outcome = self.service.sign_up(session, activity, member, channel="sms", staff_id=None)
        except (NotEligible, SignupClosed):
            self.service.outbox.enqueue(
                session,
                member=member,
                template="activity_signup",
                channel="sms",
                purpose="transactional",
                extra={**self.service.context(session, activity), "status": "refused"},
            )
            return ReplyOutcome("activity_refused", activity.code or "")
        return ReplyOutcome(f"activity_{outcome.signup.status}", activity.code or "")

    def reply_score(
        self, session: Session, member: Member, code: str, score: int
    ) -> ReplyOutcome | None:
        """A member's SMS reply scoring an activity ("评分 A12 5"), inside the reply's own
        transaction; None: no such activity. A member who did not take part changes nothing."""
        try:
            activity = self.service.by_code(session, code)
        except UnknownActivity:
            return None
        try:
            self.service.score(session, activity, member, score, by="sms")
        except InvalidState:
            return ReplyOutcome("activity_score_ignored", activity.code or "")
        return ReplyOutcome("activity_scored", activity.code or "")

    # Evaluation --------------------------------------------------------------------------------
    def record_score(self, actor: Staff, code: str, member_ref: str, score: str) -> SignupLine:
        """A participant's satisfaction score (1–5) told to staff; the latest one counts."""
        require_role(actor, SCORE_ROLES, "record satisfaction scores")
        text = (score or "").strip()
        if not text.isdigit():
            raise ValidationError("score", "a whole number from 1 (poor) to 5 (excellent)")
        with self.uow.write() as session:
            activity = self._visible(session, actor, code)
            member = find_member(session, self.registry, actor, member_ref)
            signup = self.service.score(session, activity, member, int(text), by="staff")
            self._audit(session, actor, "activity_scored", activity)
            return self._signup_line(signup, member)

    def evaluate(self, actor: Staff, code: str) -> Evaluation:
        """The activity's evaluation (活動總結): aggregates only, small groups hidden. Read in a
        read transaction (SQLite's write lock is not held while it sums), then audited."""
        require_role(actor, EVALUATORS, "evaluate activities")
        with self.uow.read() as session:
            evaluation = self._evaluation(session, self._evaluable(session, actor, code))
        self._audit_read(actor, "activity_evaluated", {"activity": evaluation.code})
        return evaluation

    def report(
        self, actor: Staff, *, year: int, store: str | None = None
    ) -> tuple[Evaluation, ...]:
        """`workbench report activities`: the evaluation of every activity of the year that
        has started (running or done), by start; a store manager's store's only."""
        require_role(actor, EVALUATORS, "see the activities report")
        with self.uow.read() as session:
            chosen = self._year(session, actor, year, store)
            evaluations = tuple(
                self._evaluation(session, a)
                for a in chosen
                if a.state in (ActivityState.RUNNING, ActivityState.DONE)
                and self._may_evaluate(session, actor, a)
            )
        detail = {"year": year, "store": store or "", "activities": len(evaluations)}
        self._audit_read(actor, "activity_report", detail)
        return evaluations

    def _audit_read(self, actor: Staff, action: str, detail: dict[str, object]) -> None:
        with self.uow.write() as session:
            self.audit.record(session, action=action, result="ok", actor_id=actor.id, detail=detail)

    def plan(self, actor: Staff, *, year: int, store: str | None = None) -> AnnualPlan:
        """The annual plan: the year's activities by month with their states, for one store
        (those it holds and head office's its members may take part in) or the whole company
        as the actor may see it."""
        require_role(actor, VIEWERS, "see activities")
        if not 2000 <= year <= 2100:
            raise ValidationError("year", "a year such as 2027")
        with self.uow.read() as session:
            chosen = self._year(session, actor, year, store, invited_too=True)
            stores = _store_codes(session)
            months: dict[int, builtins.list[ActivityLine]] = {m: [] for m in range(1, 13)}
            states = {s.value: 0 for s in PLAN_STATES}
            budget = Decimal("0.00")
            for activity in chosen:
                months[activity.starts_at.astimezone(self.zone).month].append(
                    self._line_for(session, actor, activity, stores)
                )
                states[activity.state] = states.get(activity.state, 0) + 1
                if activity.state != ActivityState.CANCELLED:
                    budget += activity.budget
            return AnnualPlan(
                year=year,
                store_code=(store or "").strip(),
                months=tuple(PlanMonth(m, tuple(lines)) for m, lines in months.items()),
                states=states,
                budget=budget,
            )

    def _year(
        self,
        session: Session,
        actor: Staff,
        year: int,
        store: str | None,
        *,
        invited_too: bool = False,
    ) -> tuple[Activity, ...]:
        """The year's activities the actor may see (by local start), those a store holds when
        one is named (`invited_too`: and head office's its members may take part in)."""
        first, last = self._year_bounds(year)
        query = (
            select(Activity)
            .where(col(Activity.starts_at) >= first, col(Activity.starts_at) < last)
            .order_by(col(Activity.starts_at), col(Activity.id))
        )
        if store and store.strip():
            held_by = session.scalar(select(Store).where(col(Store.code) == store.strip()))
            if held_by is None:
                raise ValidationError("store", f"no store {store.strip()!r}")
            own = own_branch(session, actor)
            if own is not None and own.id != held_by.id:
                raise PermissionDenied(f"you see the plan of your store {own.code} only")
            if not invited_too:
                query = query.where(col(Activity.store_id) == held_by.id)
            else:
                query = query.where(
                    (col(Activity.store_id) == held_by.id) | col(Activity.store_id).is_(None)
                )
                return tuple(
                    a
                    for a in session.scalars(query)
                    if self._may_see(session, actor, a)
                    and (a.store_id == held_by.id or _open_to(a, held_by.code))
                )
        return tuple(a for a in session.scalars(query) if self._may_see(session, actor, a))

    def _may_evaluate(self, session: Session, actor: Staff, activity: Activity) -> bool:
        own = own_branch(session, actor)
        return own is None or activity.store_id == own.id

    def _evaluable(self, session: Session, actor: Staff, code: str) -> Activity:
        """An activity the actor may evaluate: head office any; a store its own store's (an
        activity of another store is refused as one that does not exist)."""
        activity = self._visible(session, actor, code)
        if not self._may_evaluate(session, actor, activity):
            raise UnknownActivity(code)
        return activity

    def _evaluation(self, session: Session, activity: Activity) -> Evaluation:
        return figures(
            activity,
            self.service.counts(session, activity),
            self.evaluations.scores(session, activity),
            self.evaluations.cells(session, activity),
            minimum=self.min_group_size,
            now=self.clock.now(),
        )

    # Check-in ----------------------------------------------------------------------------------
    def check_in(self, actor: Staff, code: str, member_ref: str) -> CheckedIn:
        """Checks the member in by card or member number; the first check-in credits the
        activity's points, a repeated one nothing."""
        require_role(actor, CHECKIN_ROLES, "check members in at activities")
        with self.uow.write() as session:
            activity = self._visible(session, actor, code)
            member = find_member(session, self.registry, actor, member_ref)
            outcome = self.service.check_in(session, activity, member, actor=actor)
            if not outcome.already:
                self._audit(session, actor, "activity_check_in", activity, points=outcome.points)
            return CheckedIn(
                code=activity.code or "",
                member=member_line(self.cipher, member),
                already=outcome.already,
                points=outcome.points,
                at=outcome.signup.checked_in_at or self.clock.now(),
            )

    # The scheduler -----------------------------------------------------------------------------
    def send_reminders(self) -> int:
        """The day before: one reminder per confirmed member (idempotent)."""
        with self.uow.write() as session:
            return self.service.send_reminders(session)

    # Helpers -----------------------------------------------------------------------------------
    def _year_bounds(self, year: int) -> tuple[datetime, datetime]:
        """The local year: its first moment and the next year's."""
        first = datetime.combine(date(year, 1, 1), time(), tzinfo=self.zone)
        return first, datetime.combine(date(year + 1, 1, 1), time(), tzinfo=self.zone)

    def _planned_store(self, session: Session, actor: Staff, code: str | None) -> Store | None:
        own = own_branch(session, actor)
        if actor.role == Role.STORE_MANAGER:
            if own is None:
                raise PermissionDenied(f"{actor.username} manages no store")
            if code and code.strip() != own.code:
                raise ValidationError("store", f"you plan activities for your store {own.code}")
            return own
        if not code or not code.strip():
            return None
        store = session.scalar(select(Store).where(col(Store.code) == code.strip()))
        if store is None:
            raise ValidationError("store", f"no store {code.strip()!r}")
        return None if store.kind == StoreKind.HEADQUARTERS else store

    def _values(self, session: Session, actor: Staff, form: PlanForm) -> dict[str, object]:
        values: dict[str, object] = {}
        given = {f.name: getattr(form, f.name) for f in fields(form) if f.name != "store"}
        for name, raw in given.items():
            if raw is None:
                continue
            text = raw.strip()
            if name == "kind":
                values["kind"] = rules.parse_kind(text).value
            elif name == "theme":
                if not text:
                    raise ValidationError("theme", "required")
                values["theme"] = refuse_unsafe(text, "theme")[:200]
            elif name == "content":
                values["content"] = refuse_unsafe(text, "content", multiline=True)
            elif name == "place":
                values["place"] = refuse_unsafe(text, "place")[:200]
            elif name in ("starts", "ends", "priority_opens", "signup_opens", "signup_closes"):
                values[f"{name}_at"] = self._time(name, text)
            elif name == "cancel_until":
                values["cancel_until"] = self._time(name, text)
            elif name == "capacity":
                values["capacity"] = _whole(name, text, minimum=1)
            elif name == "points":
                values["points"] = _whole(name, text, minimum=0)
            elif name == "budget":
                values["budget"] = _money(text)
            elif name == "channels":
                values["channels"] = rules.parse_channels(text)
            elif name == "tiers":
                tiers = rules.parse_codes(text)
                known = {t.code for t in self.scheme.tiers}
                unknown = [t for t in tiers if t not in known]
                if unknown:
                    raise ValidationError(
                        "tiers", f"no tier {unknown[0]!r} (known: {', '.join(sorted(known))})"
                    )
                values["eligible_tiers"] = ",".join(tiers)
            elif name == "stores":
                values["eligible_stores"] = self._stores(session, actor, text)
        return values

    def _stores(self, session: Session, actor: Staff, text: str) -> str:
        codes = rules.parse_codes(text)
        known = set(session.scalars(select(col(Store.code))))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ValidationError("stores", f"no store {unknown[0]!r}")
        own = own_branch(session, actor)
        if own is not None and set(codes) - {own.code}:
            raise ValidationError("stores", f"your activities are for your store {own.code} only")
        if own is not None and not codes:
            codes = (own.code,)
        return ",".join(codes)

    def _time(self, name: str, text: str) -> datetime:
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
            try:
                local = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return local.replace(tzinfo=self.zone)
        raise ValidationError(name, f"a local date and time such as 2026-04-18 14:00, not {text!r}")

    def _visible(self, session: Session, actor: Staff, code: str) -> Activity:
        activity = self.service.by_code(session, code)
        if not self._may_see(session, actor, activity):
            raise UnknownActivity(code)
        return activity

    def _managed(
        self, session: Session, actor: Staff, code: str, *, approvers_too: bool = False
    ) -> Activity:
        """An activity the actor may change: head office and the hotline any; a store manager
        their own store's."""
        activity = self._visible(session, actor, code)
        roles = PLANNERS | (APPROVERS if approvers_too else frozenset())
        if actor.role not in roles:
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not change activities")
        own = own_branch(session, actor)
        if own is not None and activity.store_id != own.id:
            raise PermissionDenied(
                f"{activity.code} is not held by your store {own.code}: head office changes it"
            )
        return activity

    def _may_see(self, session: Session, actor: Staff, activity: Activity) -> bool:
        own = own_branch(session, actor)
        if own is None:
            return True
        stores = rules.parse_codes(activity.eligible_stores)
        return activity.store_id == own.id or not stores or own.code in stores

    def _line_for(
        self, session: Session, actor: Staff, activity: Activity, stores: dict[int, str]
    ) -> ActivityLine:
        """The line as the actor may see it: places taken by a small group hidden (as in
        ShownCounts) from those who do not run the activity."""
        line = self._line(activity, stores)
        small = 0 < activity.taken < self.min_group_size
        if small and not self._runs(session, actor, activity):
            return replace(line, taken=None)
        return line

    def _line(self, activity: Activity, stores: dict[int, str]) -> ActivityLine:
        return ActivityLine(
            code=activity.code or "",
            kind=activity.kind,
            theme=activity.theme,
            state=activity.state,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            store_code=stores.get(activity.store_id, "") if activity.store_id else "",
            place=activity.place,
            capacity=activity.capacity,
            taken=activity.taken,
            budget=activity.budget,
            points=activity.points,
        )

    def _detail(self, session: Session, actor: Staff, activity: Activity) -> ActivityDetail:
        session.flush()
        stores = _store_codes(session)
        counts = self._shown_counts(session, actor, activity)
        line = self._line(activity, stores)
        return ActivityDetail(
            line=replace(line, taken=counts.confirmed),
            content=activity.content,
            eligible_tiers=rules.parse_codes(activity.eligible_tiers),
            eligible_stores=rules.parse_codes(activity.eligible_stores),
            priority_tiers=self.service.priority_tiers(),
            priority_opens_at=activity.priority_opens_at,
            signup_opens_at=activity.signup_opens_at,
            signup_closes_at=activity.signup_closes_at,
            cancel_until=activity.cancel_until,
            channels=activity.channels,
            planner=staff_name(session, activity.planner_id),
            approved_by=staff_name(session, activity.approved_by_id),
            approved_at=activity.approved_at,
            closed_at=activity.closed_at,
            cancelled_at=activity.cancelled_at,
            cancel_reason=activity.cancel_reason,
            actual_cost=activity.actual_cost,
            counts=counts,
            changes=tuple(
                ChangeLine(
                    at=c.at,
                    staff=staff_name(session, c.staff_id),
                    field=c.field,
                    old=c.old,
                    new=c.new,
                    after_approval=c.after_approval,
                )
                for c in self.service.changes(session, activity)
            ),
        )

    def _signup_line(self, signup: ActivitySignup, member: Member) -> SignupLine:
        return SignupLine(
            member=member_line(self.cipher, member),
            status=signup.status,
            channel=signup.channel,
            queued_at=signup.queued_at,
            checked_in_at=signup.checked_in_at,
            no_show=signup.no_show,
        )

    def _audit(
        self, session: Session, actor: Staff, action: str, activity: Activity, **detail: object
    ) -> None:
        self.audit.record(
            session,
            action=action,
            result="ok",
            actor_id=actor.id,
            detail={"activity": activity.code, "state": activity.state, **detail},
        )


def _small_counts(counts: ActivityCounts, minimum: int) -> dict[str, str]:
    """The counts an aggregate-only reader may not see, and why: small groups, and a count
    that with the others shown on its line (a whole and its parts) would give one away."""
    c = counts
    invited = protect_breakdown(
        {
            "invitations_queued": c.invitations_queued,
            "invitations_skipped": c.invitations_skipped,
            "invitations_pending": c.invitations_pending,
        },
        minimum,
        total_shown=not 0 < c.invited < minimum,
    )
    priority = protect_breakdown(
        {"invited_priority": c.invited_priority, "rest": c.invited - c.invited_priority},
        minimum,
        total_shown=not 0 < c.invited < minimum,
    )
    confirmed = protect_breakdown(
        {
            "checked_in": c.checked_in,
            "no_shows": c.no_shows,
            "rest": c.confirmed - c.checked_in - c.no_shows,
        },
        minimum,
        total_shown=not 0 < c.confirmed < minimum,
    )
    hidden = {
        name: why for name, why in {**invited, **priority, **confirmed}.items() if name != "rest"
    }
    for name in ("invited", "confirmed", "waitlisted", "cancelled"):
        if 0 < getattr(c, name) < minimum:
            hidden[name] = "small"
    if "checked_in" in hidden and c.points_credited:
        hidden["points_credited"] = GROUP  # the points per participant would show them
    return hidden


def _open_to(activity: Activity, store_code: str) -> bool:
    """Whether the store's members may take part (no store named: every store's)."""
    stores = rules.parse_codes(activity.eligible_stores)
    return not stores or store_code in stores


def _store_codes(session: Session) -> dict[int, str]:
    return {saved_id(s): s.code for s in session.scalars(select(Store))}


def _whole(name: str, text: str, *, minimum: int) -> int:
    if not text.isdigit() or int(text) < minimum:
        raise ValidationError(name, f"a whole number, at least {minimum}")
    return int(text)


def _money(text: str, name: str = "budget") -> Decimal:
    try:
        amount = Decimal(text.replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        raise ValidationError(
            name, f"an amount in yuan such as 5000 or 5000.50, not {text!r}"
        ) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(name, "an amount in yuan, at most 2 decimals, not negative")
    return amount.quantize(Decimal("0.01"))


def activity_service(s: Services) -> ActivityService:
    return ActivityService(
        clock=s.clock,
        outbox=s.outbox,
        ledger=s.ledger,
        scheme=s.scheme,
        zone=s.settings.timezone,
        priority_min_rank=s.settings.activities_priority_min_rank,
    )


def activity_desk(s: Services, uow: UnitOfWork) -> ActivityDesk:
    outbox: Outbox = s.outbox
    return ActivityDesk(
        uow=uow,
        clock=s.clock,
        cipher=s.cipher,
        registry=s.registry,
        service=activity_service(s),
        invitations=Invitations(
            clock=s.clock,
            cipher=s.cipher,
            templates=outbox.templates,
            policy=outbox.policy,
            scheme=s.scheme,
            zone=s.settings.timezone,
            language=outbox.language,
            batch_size=s.settings.activities_invite_batch,
        ),
        audit=s.audit,
        scheme=s.scheme,
        zone=s.settings.timezone,
        cancel_hours=s.settings.activities_cancel_hours,
        min_group_size=s.settings.protection_min_group_size,
    )


def find_sender(registry: MemberRegistry, session: Session, from_number: str) -> Member | None:
    try:
        return registry.find_by_phone(session, from_number)
    except InvalidPhoneNumber:
        return None
