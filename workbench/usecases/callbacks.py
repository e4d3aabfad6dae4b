"""What staff do with callbacks: claim the next one (with the member's profile the claim opens),
record its outcome, see their claimed tasks and how many are due, schedule one for a member;
and timed campaigns: create, list, pause or resume, make today's tasks, read their progress.

The callback service and the campaigns own their transactions (a claim commits its lease and
its grant together); this desk is the one door the screens, commands and jobs go through, and
hands back read models, never ORM rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlmodel import Session, col

from workbench.callbacks.campaigns import MANAGERS, CampaignProgress, Campaigns
from workbench.callbacks.models import CallbackTask, Campaign, CampaignStatus, TaskStatus
from workbench.callbacks.service import CallbackService, Claim
from workbench.clock import Clock
from workbench.complaints.reports import REPORT_ROLES
from workbench.db.ids import saved_id
from workbench.members.models import Member, Role, Staff, Store
from workbench.permissions.access import (
    AccessDenied,
    MemberAccess,
    MemberView,
    Purpose,
)
from workbench.permissions.models import GrantSource
from workbench.usecases.base import UnitOfWork, require_role

if TYPE_CHECKING:
    from workbench.bootstrap import Services

log = logging.getLogger(__name__)
CALLBACK_ROLES = (Role.AGENT, Role.SUPERVISOR)  # who take callbacks (and see how many are due)
# Who read campaigns and their progress: the roles whose dashboard shows the running ones.
CAMPAIGN_READERS = frozenset(REPORT_ROLES)
# Who run campaigns by hand (make today's tasks now): who create, pause and resume them.
CAMPAIGN_RUNNERS = frozenset(MANAGERS)
RUNNING = (CampaignStatus.ACTIVE.value, CampaignStatus.PAUSED.value)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ClaimedCallback:
    """A claimed task and the member's profile its grant opens."""

    claim: Claim
    view: MemberView


@dataclass(frozen=True)
class RecordedOutcome:
    task_id: int
    outcome: str
    status: str  # where the task went: queued again, done, unreached, cancelled


@dataclass(frozen=True)
class NextCallback:
    """Whether a callback can be taken now; if not, why (`quiet`: due, but outside calling
    hours where the member lives; `later`: none is due yet; `empty`: none is waiting) and when
    the next can be made (`next_at`, None when none is waiting). `calling_start`/`calling_end`
    are the calling hours (HH:MM, in each store's zone)."""

    callable_now: bool
    reason: str  # now | quiet | later | empty
    next_at: datetime | None
    calling_start: str
    calling_end: str


@dataclass(frozen=True)
class MyCallback:
    """A task the actor holds claimed: when it fell due (`due_at`), until when the claim
    holds (`lease_until`) and its window runs (`latest_at`); the member's number, and while
    the claim's grant is live its end and the member's masked name (None once it has ended:
    the member's data goes with the grant)."""

    task_id: int
    member_id: int
    reason: str
    attempts: int
    lease_until: datetime | None
    latest_at: datetime
    member_no: str = ""
    due_at: datetime | None = None
    masked_name: str | None = None
    grant_until: datetime | None = None


@dataclass(frozen=True)
class CampaignSummary:
    campaign_id: int
    name: str
    status: str
    starts_on: date
    ends_on: date
    daily_capacity: int
    team: str | None
    priority: int
    segment: str  # JSON, see callbacks/segments.py


class CallbackDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        clock: Clock,
        callbacks: CallbackService,
        campaigns: Campaigns,
        access: MemberAccess,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.callbacks = callbacks
        self.campaigns = campaigns
        self.access = access

    # Callbacks ------------------------------------------------------------------------------------
    def claim_next(self, actor: Staff, *, team: str | None = None) -> Claim | None:
        """The next due task the actor may call now, leased to them with a grant on the member;
        None when none is due or it is quiet time in every store's zone. Refused, before
        anything is claimed, to a role that takes no callbacks (the claim would hold the task
        from the agents until its lease ran out)."""
        require_role(actor, CALLBACK_ROLES, "take callbacks")
        return self.callbacks.claim_next(actor, team=team)

    def claim_next_with_view(self, actor: Staff) -> ClaimedCallback | None:
        """Claims the next callback and reads the member's profile through the claim's grant
        (the read is audited as a callback read)."""
        claim = self.claim_next(actor)
        if claim is None:
            return None
        view = self.access.view_by_id(actor, claim.member_id, Purpose.CALLBACK)
        return ClaimedCallback(claim, view)

    def record_outcome(
        self,
        actor: Staff,
        task_id: int,
        outcome: str,
        *,
        feedback: str | None = None,
        call_back_at: datetime | None = None,
    ) -> RecordedOutcome:
        """The call's outcome ends the claim and its grant; a retry, a later call or the end of
        the task follows from it (see CallbackService.record_outcome)."""
        task = self.callbacks.record_outcome(
            actor, task_id=task_id, outcome=outcome, feedback=feedback, call_back_at=call_back_at
        )
        return RecordedOutcome(saved_id(task), task.outcome or outcome, task.status)

    def my_tasks(self, actor: Staff) -> list[MyCallback]:
        """The tasks the actor holds claimed, the soonest lease end first (see MyCallback)."""
        tasks = self.callbacks.my_tasks(actor)
        if not tasks:
            return []
        grants: dict[str, tuple[datetime, str]] = {}  # task id: the live grant's end, name
        for grant, _, masked in self.access.live_grants_overview(saved_id(actor)):
            ref = grant.source_ref
            if grant.source != GrantSource.CALLBACK or ref is None:
                continue
            if ref not in grants or grants[ref][0] < grant.ends_at:
                grants[ref] = (grant.ends_at, masked)
        with self.uow.read() as session:
            rows = session.execute(
                select(col(Member.id), col(Member.member_no)).where(
                    col(Member.id).in_({task.member_id for task in tasks})
                )
            ).all()
        numbers: dict[int, str] = {member_id: member_no for member_id, member_no in rows}
        return [_mine(task, numbers.get(task.member_id, ""), grants) for task in tasks]

    def due_count(self, actor: Staff) -> int | None:
        """How many tasks the actor could claim now or later today (calling hours aside: a
        claim in quiet time finds none, and says so); None for a role that takes no
        callbacks."""
        if actor.role not in CALLBACK_ROLES:
            return None
        return self.callbacks.due_count(actor)

    def next_callable(self, actor: Staff) -> NextCallback | None:
        """Whether the actor can take a callback now and, if not, why and when the next one
        can be made: the tasks they may take (as `due_count` counts them), the calling hours in
        each member's store's zone, and when each task falls due. None for a role that takes no
        callbacks. (Another agent may still claim the last one first: a claim can find none.)"""
        if actor.role not in CALLBACK_ROLES:
            return None
        now = self.clock.now()
        hours = self.callbacks.calling_hours
        with self.uow.read() as session:
            rows = session.execute(
                select(col(Store.timezone), func.min(col(CallbackTask.next_attempt_at)))
                .select_from(CallbackTask)
                .join(Member, col(Member.id) == col(CallbackTask.member_id))
                .join(Store, col(Store.id) == col(Member.store_id))
                .where(
                    col(CallbackTask.status) == TaskStatus.QUEUED.value,
                    col(CallbackTask.latest_at) > now,
                    col(Member.do_not_call).is_(False),
                    (col(CallbackTask.assigned_staff_id) == actor.id)
                    | (
                        col(CallbackTask.assigned_staff_id).is_(None)
                        & (
                            (col(CallbackTask.team) == actor.team)
                            | col(CallbackTask.team).is_(None)
                        )
                    ),
                )
                .group_by(col(Store.timezone))
            ).all()
        start, end = hours.start.strftime("%H:%M"), hours.end.strftime("%H:%M")
        if not rows:
            return NextCallback(False, "empty", None, start, end)
        due_quiet = False
        soonest: datetime | None = None
        for zone_name, first_due in rows:
            zone = self._zone(zone_name)
            due_at = max(_aware(first_due), now)
            callable_at = _next_window(due_at, zone, hours.start, hours.end)
            if callable_at <= now:
                return NextCallback(True, "now", now, start, end)
            if due_at <= now:
                due_quiet = True  # due, but it is quiet time where the member lives
            if soonest is None or callable_at < soonest:
                soonest = callable_at
        return NextCallback(False, "quiet" if due_quiet else "later", soonest, start, end)

    def _zone(self, name: str | None) -> ZoneInfo:
        try:
            return ZoneInfo(name) if name else self.callbacks.default_zone
        except (ZoneInfoNotFoundError, ValueError):
            return self.callbacks.default_zone

    def schedule(
        self,
        actor: Staff,
        member: int | str,
        reason: str,
        *,
        within: timedelta | None = None,
        earliest_at: datetime | None = None,
        latest_at: datetime | None = None,
        priority: int = 0,
        team: str | None = None,
    ) -> int:
        """A new callback task for the member, to be made `within` from now (or between the
        times given); refused for a member who asked not to be called or who already has an
        open task for that reason. `member`: the member's id (a screen's) or number (as typed
        on the command line). Only for a member the actor may read now (`schedule_in_reach`).
        Returns the task's id."""
        if within is not None:
            latest_at = self.clock.now() + within
        with self.uow.write() as session:
            return schedule_in_reach(
                session,
                self.access,
                self.callbacks,
                actor,
                member,
                reason,
                earliest_at=earliest_at,
                latest_at=latest_at,
                priority=priority,
                team=team,
            )

    def return_lapsed_leases(self) -> int:
        """Claims whose agent went away go back to the queue (run by the scheduler)."""
        return self.callbacks.return_lapsed_leases()

    def expire_past_windows(self) -> int:
        """Tasks whose calling window has ended close as expired (run by the scheduler)."""
        return self.callbacks.expire_past_windows()

    # Campaigns ------------------------------------------------------------------------------------
    def create_campaign(
        self,
        actor: Staff,
        *,
        name: str,
        segment: str | dict[str, Any],  # a segment name or its JSON definition
        starts_on: date,
        ends_on: date,
        daily_capacity: int,
        team: str | None = None,
        priority: int = 0,
    ) -> CampaignSummary:
        """Supervisors and administrators (the campaigns check the role and the segment)."""
        return _summary(
            self.campaigns.create(
                actor,
                name=name,
                segment=segment,
                starts_on=starts_on,
                ends_on=ends_on,
                daily_capacity=daily_capacity,
                team=team,
                priority=priority,
            )
        )

    def campaign_list(self, actor: Staff) -> list[CampaignSummary]:
        """Every campaign, oldest first (supervisors, administrators, department heads,
        analysts and store managers: whose dashboard shows campaign progress)."""
        _may_read_campaigns(actor)
        return [_summary(c) for c in self.campaigns.list()]

    def set_campaign_status(
        self, actor: Staff, campaign_id: int, status: CampaignStatus | str
    ) -> CampaignSummary:
        """Pause or resume (supervisors and administrators); a finished one stays finished."""
        return _summary(self.campaigns.set_status(actor, campaign_id, status))

    def materialise(
        self, actor: Staff, campaign_id: int | None = None, progress: Progress | None = None
    ) -> int:
        """Make the campaign's tasks for today now, up to its daily capacity (None: every active
        campaign's); how many were made. Safe to run again: nothing is made twice. By hand, the
        roles that create, pause and resume campaigns (supervisors and administrators)."""
        require_role(actor, CAMPAIGN_RUNNERS, "run campaigns")
        if campaign_id is None:
            return self.campaigns.materialise_all(progress)
        return self.campaigns.materialise(campaign_id, progress)

    def materialise_all(self, progress: Progress | None = None) -> int:
        """Today's tasks of every active campaign: the scheduler's timed run, every few
        minutes, as the system (no staff member). People go through `materialise`."""
        return self.campaigns.materialise_all(progress)

    def progress(self, actor: Staff, campaign_id: int) -> CampaignProgress:
        """One campaign's tasks, outcomes and today's calls (the roles `campaign_list` names)."""
        _may_read_campaigns(actor)
        return self.campaigns.progress(campaign_id)

    def running_progress(self) -> list[CampaignProgress]:
        """The progress of every active or paused campaign (the dashboard's panel)."""
        running = [c for c in self.campaigns.list() if c.status in RUNNING]
        return [self.campaigns.progress(saved_id(c)) for c in running]


def schedule_in_reach(
    session: Session,
    access: MemberAccess,
    callbacks: CallbackService,
    actor: Staff,
    member: int | str,
    reason: str,
    *,
    earliest_at: datetime | None = None,
    latest_at: datetime | None = None,
    priority: int = 0,
    team: str | None = None,
) -> int:
    """The one rule every person's callback goes through (this desk's `schedule`, the member
    desk's `schedule_callback`): a task only for a member `actor` may read now, in the scope of
    reading the profile (their store, their own customers, a live grant). Any other, or no such
    member (`member`: an id, or a member number as typed), is refused in the same words and
    audited, and no task is made. Returns the new task's id, flushed in `session`."""
    if isinstance(member, str):
        number = member.strip().upper()
        found = session.scalar(select(Member).where(col(Member.member_no) == number))
    else:
        found = session.get(Member, member)
    if found is None or access.basis(session, actor, found) is None:
        access.refuse_out_of_reach(
            session, actor, found, Purpose.CALLBACK, "callback_schedule", member
        )
    task = callbacks.schedule(
        session,
        member_id=saved_id(found),
        reason=reason,
        earliest_at=earliest_at,
        latest_at=latest_at,
        priority=priority,
        team=team,
    )
    session.flush()
    return saved_id(task)


def _may_read_campaigns(actor: Staff) -> None:
    if actor.role not in CAMPAIGN_READERS:
        raise AccessDenied(
            "only supervisors, administrators, department heads, analysts and store managers "
            "see campaigns"
        )


def _aware(at: datetime) -> datetime:
    """SQLite hands back times without their zone; they are stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _next_window(at: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """The first moment from `at` inside calling hours [start, end) in `zone`."""
    local = at.astimezone(zone)
    if start <= local.time() < end:
        return at
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=zone)


def _summary(campaign: Campaign) -> CampaignSummary:
    return CampaignSummary(
        campaign_id=saved_id(campaign),
        name=campaign.name,
        status=campaign.status,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        daily_capacity=campaign.daily_capacity,
        team=campaign.team,
        priority=campaign.priority,
        segment=campaign.segment,
    )


def _mine(
    task: CallbackTask, member_no: str, grants: dict[str, tuple[datetime, str]]
) -> MyCallback:
    grant_until, masked = grants.get(str(task.id), (None, None))
    return MyCallback(
        task_id=saved_id(task),
        member_id=task.member_id,
        reason=task.reason,
        attempts=task.attempts,
        lease_until=task.lease_until,
        latest_at=task.latest_at,
        member_no=member_no,
        due_at=task.next_attempt_at,
        masked_name=masked,
        grant_until=grant_until,
    )


def callback_desk(s: Services, uow: UnitOfWork) -> CallbackDesk:
    return CallbackDesk(
        uow=uow,
        clock=s.clock,
        callbacks=s.callbacks,
        campaigns=s.campaigns,
        access=s.access,
    )
