"""Callback tasks: scheduling, claiming (a lease plus an access grant), outcomes with retries,
lapsed leases, campaigns. Claims and outcomes open their own transactions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from workbench.callbacks.models import (
    OPEN_STATUSES,
    CallbackAttempt,
    CallbackTask,
    Outcome,
    Reason,
    TaskStatus,
)
from workbench.clock import Clock
from workbench.crypto import FieldCipher
from workbench.db.engine import immediate_session, is_sqlite
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from workbench.masking.text import refuse_unsafe
from workbench.members.models import Member, Staff, Store
from workbench.permissions.access import MemberAccess
from workbench.permissions.models import GrantSource

if TYPE_CHECKING:
    from workbench.complaints.models import Complaint

log = logging.getLogger(__name__)
RETRY_OUTCOMES = {Outcome.NO_ANSWER, Outcome.BUSY}


FOLLOW_UP_WINDOW = timedelta(days=3)  # a member not satisfied is called back within 3 days
FOLLOW_UP_PRIORITY = 5


class DuplicateTask(ValidationError):
    def __init__(self, reason: str) -> None:
        super().__init__("reason", f"the member already has an open {reason} callback")


class DoNotCall(ValidationError):
    def __init__(self, member_no: str) -> None:
        super().__init__("member", f"{member_no} asked not to be called")


@dataclass(frozen=True)
class CallingHours:
    start: time
    end: time

    def allows(self, at: datetime, zone: ZoneInfo) -> bool:
        """Inside calling hours in the member's store's zone (outside them is quiet time)."""
        local = at.astimezone(zone).time()
        return self.start <= local < self.end


@dataclass(frozen=True)
class Claim:
    task_id: int
    member_id: int
    member_no: str
    reason: str
    attempts: int
    grant_until: datetime
    lease_until: datetime


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base: timedelta
    ceiling: timedelta

    def delay(self, attempts: int) -> timedelta:
        """After the n-th unanswered call: base, 2 x base, 4 x base … up to the ceiling."""
        return min(self.base * (1 << max(attempts - 1, 0)), self.ceiling)  # 2 ** (n - 1)


class CallbackService:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions: sessionmaker[Session],
        cipher: FieldCipher,
        access: MemberAccess,
        calling_hours: CallingHours,
        default_zone: ZoneInfo,
        call_window: timedelta,
        grant_grace: timedelta,
        lease: timedelta,
        retry: RetryPolicy,
    ) -> None:
        self.clock = clock
        self.sessions = sessions
        self.cipher = cipher
        self.access = access
        self.calling_hours = calling_hours
        self.default_zone = default_zone
        self.call_window = call_window
        self.grant_grace = grant_grace
        self.lease = lease
        self.retry = retry

    # Scheduling -----------------------------------------------------------------------------------
    def schedule(
        self,
        session: Session,
        *,
        member_id: int,
        reason: Reason | str,
        earliest_at: datetime | None = None,
        latest_at: datetime | None = None,
        priority: int = 0,
        team: str | None = None,
        assigned_staff_id: int | None = None,
        complaint_id: int | None = None,
        campaign_id: int | None = None,
    ) -> CallbackTask:
        """A new task. Refused for a member who asked not to be called (DoNotCall), or who
        already has an open task for the same reason (DuplicateTask). An open task whose window
        has ended is closed as expired first: it can no longer be called, so it does not count."""
        reason = _reason(reason)
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound(f"no member with id {member_id}")
        if member.do_not_call:
            raise DoNotCall(member.member_no)
        now = self.clock.now()
        earliest = earliest_at or now
        latest = latest_at or earliest + timedelta(days=7)
        if latest <= earliest:
            raise ValidationError("latest_at", "the window must end after it starts")
        self._close_past_windows(
            session,
            now,
            col(CallbackTask.member_id) == member_id,
            col(CallbackTask.reason) == reason.value,
        )
        task = CallbackTask(
            member_id=member_id,
            reason=reason.value,
            priority=priority,
            team=team,
            assigned_staff_id=assigned_staff_id,
            complaint_id=complaint_id,
            campaign_id=campaign_id,
            earliest_at=earliest,
            latest_at=latest,
            next_attempt_at=earliest,
            status=TaskStatus.QUEUED.value,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(task)
        except IntegrityError:
            raise DuplicateTask(reason.value) from None
        return task

    def schedule_complaint_follow_up(self, session: Session, complaint: Complaint) -> int | None:
        """After a low satisfaction score the member is called back within 3 days. Returns the
        task that will make that call, to link to the complaint:
        - a new task for the handler (an expired follow-up is closed and replaced);
        - or the member's follow-up that is still open (for this complaint's earlier round or
          for another complaint): one call covers both, so that task is kept, raised to the
          follow-up priority and its window stretched to the new deadline.
        None only when the member asked never to be called; the complaint records that."""
        member_id = complaint.member_id
        if member_id is None:
            raise InvalidState(f"complaint {complaint.complaint_no} has no member to call back")
        now = self.clock.now()
        for _ in range(2):  # the open task may close between the refusal and the look-up
            try:
                task = self.schedule(
                    session,
                    member_id=member_id,
                    reason=Reason.COMPLAINT_FOLLOW_UP,
                    earliest_at=now,
                    latest_at=now + FOLLOW_UP_WINDOW,
                    priority=FOLLOW_UP_PRIORITY,
                    assigned_staff_id=complaint.handler_id,
                    complaint_id=complaint.id,
                )
            except DoNotCall:
                return None
            except DuplicateTask:
                live = self._open_task(session, member_id, Reason.COMPLAINT_FOLLOW_UP)
                if live is None:
                    continue
                live.priority = max(live.priority, FOLLOW_UP_PRIORITY)
                live.latest_at = max(live.latest_at, now + FOLLOW_UP_WINDOW)
                session.flush()
                return live.id
            session.flush()
            return task.id
        raise InvalidState(f"the follow-up callback of {complaint.complaint_no} keeps changing")

    def _open_task(self, session: Session, member_id: int, reason: Reason) -> CallbackTask | None:
        query = select(CallbackTask).where(
            col(CallbackTask.member_id) == member_id,
            col(CallbackTask.reason) == reason.value,
            col(CallbackTask.status).in_(OPEN_STATUSES),
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # a claim may be changing it right now
        return session.scalar(query)

    # Expiry ---------------------------------------------------------------------------------------
    def expire_past_windows(self) -> int:
        """Close every task whose calling window has ended (the scheduler runs this)."""
        with immediate_session(self.sessions) as session:
            closed = self._close_past_windows(session, self.clock.now())
            session.commit()
            return closed

    def _close_past_windows(
        self, session: Session, now: datetime, *scope: ColumnElement[bool]
    ) -> int:
        """Queued tasks past their window, and claimed ones whose agent's lease lapsed too, close
        as expired. A live claim is left to its agent, who records the outcome."""
        past = (col(CallbackTask.latest_at) <= now) & (
            (col(CallbackTask.status) == TaskStatus.QUEUED.value)
            | (
                (col(CallbackTask.status) == TaskStatus.CLAIMED.value)
                & (col(CallbackTask.lease_until) <= now)
            )
        )
        lapsed_claims = session.scalars(
            select(col(CallbackTask.id)).where(
                past, col(CallbackTask.status) == TaskStatus.CLAIMED.value, *scope
            )
        ).all()
        closed = _rowcount(
            session.execute(
                update(CallbackTask)
                .where(past, *scope)
                .values(
                    status=TaskStatus.EXPIRED.value,
                    closed_at=now,
                    claimed_by_id=None,
                    lease_until=None,
                )
                .execution_options(synchronize_session="fetch")
            )
        )
        for task_id in lapsed_claims:
            self.access.end_grants(session, source=GrantSource.CALLBACK, source_ref=str(task_id))
        return closed

    # Claiming -------------------------------------------------------------------------------------
    def claim_next(self, staff: Staff, *, team: str | None = None) -> Claim | None:
        """The next due task for the agent's team (or assigned to them), locked so no other
        agent gets it; opens the agent's grant on the member for the call window.

        Quiet hours are filtered in the query (by the store zones now inside calling hours), so
        the first row is callable: no task is missed behind any number of members who may not
        be called now, nor behind rows other agents hold (skipped while they are locked)."""
        now = self.clock.now()
        team = team if team is not None else staff.team
        with immediate_session(self.sessions) as session:
            callable_now = self._in_calling_hours(session, now)
            if callable_now is None:
                return None
            query = (
                select(CallbackTask, col(Member.member_no))
                .join(Member, col(Member.id) == col(CallbackTask.member_id))
                .join(Store, col(Store.id) == col(Member.store_id))
                .where(*_due_for(staff, team, now, sqlite=is_sqlite(session)), callable_now)
                .order_by(
                    col(CallbackTask.priority).desc(),
                    col(CallbackTask.next_attempt_at),
                    col(CallbackTask.id),
                )
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=CallbackTask)
            row = session.execute(query).first()
            if row is None:
                return None
            return self._claim(session, row[0], row[1], staff, now)

    def _in_calling_hours(self, session: Session, now: datetime) -> ColumnElement[bool] | None:
        """A condition on Store: its members may be called now (it is not quiet time in the
        store's zone); None when it is quiet time everywhere. Stores use few distinct zones, so
        this is decided here per zone, not per row."""
        zones = {name or "" for name in session.scalars(select(col(Store.timezone)).distinct())}
        allowed = [name for name in zones if self.calling_hours.allows(now, self._zone(name))]
        if not allowed:
            return None
        condition: ColumnElement[bool] = col(Store.timezone).in_(allowed)
        if "" in allowed:  # a store without a zone of its own uses the default one
            condition = condition | col(Store.timezone).is_(None)
        return condition

    def _zone(self, name: str) -> ZoneInfo:
        try:
            return ZoneInfo(name) if name else self.default_zone
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("store time zone %r is unknown: using %s", name, self.default_zone.key)
            return self.default_zone

    def _claim(
        self, session: Session, task: CallbackTask, member_no: str, staff: Staff, now: datetime
    ) -> Claim:
        claimed = _rowcount(
            session.execute(
                update(CallbackTask)
                .where(
                    col(CallbackTask.id) == task.id,
                    col(CallbackTask.status) == TaskStatus.QUEUED.value,
                )
                .values(
                    status=TaskStatus.CLAIMED.value,
                    claimed_by_id=staff.id,
                    lease_until=now + self.lease,
                )
                .execution_options(synchronize_session=False)
            )
        )
        if claimed != 1:  # cannot happen under the lock; refuse rather than double-claim
            raise InvalidState(f"callback task {task.id} was claimed by someone else")
        grant_until = min(task.latest_at, now + self.call_window) + self.grant_grace
        self.access.open_grant(
            session,
            staff_id=saved_id(staff),
            member_id=task.member_id,
            source=GrantSource.CALLBACK,
            source_ref=str(task.id),
            starts_at=now,
            ends_at=grant_until,
            reason=f"callback {task.reason}",
        )
        session.commit()
        return Claim(
            saved_id(task),
            task.member_id,
            member_no,
            task.reason,
            task.attempts,
            grant_until,
            now + self.lease,
        )

    # Outcomes ---------------------------------------------------------------------------------------
    def record_outcome(
        self,
        staff: Staff,
        *,
        task_id: int,
        outcome: Outcome | str,
        feedback: str | None = None,
        call_back_at: datetime | None = None,
    ) -> CallbackTask:
        try:
            outcome = Outcome(outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in Outcome)
            raise ValidationError("outcome", f"one of {allowed}") from None
        refuse_unsafe(feedback, "feedback", multiline=True)
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            task = session.get(CallbackTask, task_id)
            if task is None:
                raise NotFound(f"no callback task {task_id}")
            if task.status != TaskStatus.CLAIMED.value or task.claimed_by_id != staff.id:
                raise PermissionDenied(
                    f"callback task {task_id} is not claimed by {staff.username}"
                )
            later = outcome == Outcome.CALL_BACK_LATER
            if later and (call_back_at is None or not now < call_back_at < task.latest_at):
                raise ValidationError(
                    "call_back_at",
                    "a time after now and before the task's window ends "
                    f"({task.latest_at:%Y-%m-%d %H:%M} UTC)",
                )
            feedback_enc = (
                self.cipher.encrypt("callback.feedback", feedback.strip())
                if feedback and feedback.strip()
                else None
            )
            session.add(
                CallbackAttempt(
                    task_id=saved_id(task),
                    staff_id=saved_id(staff),
                    at=now,
                    outcome=outcome.value,
                    call_back_at=call_back_at,
                    feedback_enc=feedback_enc,
                )
            )
            task.attempts += 1
            task.outcome = outcome.value
            task.feedback_enc = feedback_enc or task.feedback_enc
            task.claimed_by_id = None
            task.lease_until = None
            self._after(session, task, outcome, call_back_at, now)
            self.access.end_grants(session, source=GrantSource.CALLBACK, source_ref=str(task.id))
            session.commit()
            return task

    def _after(
        self,
        session: Session,
        task: CallbackTask,
        outcome: Outcome,
        call_back_at: datetime | None,
        now: datetime,
    ) -> None:
        if outcome in (Outcome.REACHED, Outcome.REFUSED):
            task.status, task.closed_at = TaskStatus.DONE.value, now
        elif outcome == Outcome.WRONG_NUMBER:
            task.status, task.closed_at = TaskStatus.UNREACHED.value, now
        elif outcome == Outcome.CALL_BACK_LATER:
            if call_back_at is None:  # record_outcome asks for one first
                raise ValidationError("call_back_at", "a time to call back")
            task.status, task.next_attempt_at = TaskStatus.QUEUED.value, call_back_at
        elif outcome == Outcome.DO_NOT_CALL:
            member = session.get(Member, task.member_id)
            if member is None:  # members are never deleted: only a damaged database gets here
                raise NotFound(f"no member {task.member_id} for callback task {task.id}")
            member.do_not_call = True
            task.status, task.closed_at = TaskStatus.CANCELLED.value, now
            session.execute(
                update(CallbackTask)
                .where(
                    col(CallbackTask.member_id) == task.member_id,
                    col(CallbackTask.status).in_(OPEN_STATUSES),
                    col(CallbackTask.id) != task.id,
                )
                .values(status=TaskStatus.CANCELLED.value, closed_at=now, outcome="do_not_call")
                .execution_options(synchronize_session=False)
            )
        elif task.attempts >= self.retry.max_attempts:
            task.status, task.closed_at = TaskStatus.UNREACHED.value, now
        else:
            retry_at = now + self.retry.delay(task.attempts)
            if retry_at >= task.latest_at:
                task.status, task.closed_at = TaskStatus.UNREACHED.value, now
            else:
                task.status, task.next_attempt_at = TaskStatus.QUEUED.value, retry_at

    # Leases -------------------------------------------------------------------------------------------
    def return_lapsed_leases(self) -> int:
        """Claims whose agent went away go back to the queue; their grants end."""
        now = self.clock.now()
        with immediate_session(self.sessions) as session:
            lapsed = session.scalars(
                select(CallbackTask).where(
                    col(CallbackTask.status) == TaskStatus.CLAIMED.value,
                    col(CallbackTask.lease_until) <= now,
                )
            ).all()
            for task in lapsed:
                task.status, task.claimed_by_id, task.lease_until = (
                    TaskStatus.QUEUED.value,
                    None,
                    None,
                )
                self.access.end_grants(
                    session, source=GrantSource.CALLBACK, source_ref=str(task.id)
                )
            session.commit()
            return len(lapsed)

    # Reading ------------------------------------------------------------------------------------------
    def my_tasks(self, staff: Staff) -> list[CallbackTask]:
        with self.sessions() as session:
            query = select(CallbackTask).where(
                col(CallbackTask.claimed_by_id) == staff.id,
                col(CallbackTask.status) == TaskStatus.CLAIMED.value,
            )
            return list(session.scalars(query.order_by(col(CallbackTask.lease_until))))

    def feedback(self, task: CallbackTask) -> str | None:
        return self.cipher.decrypt("callback.feedback", task.feedback_enc)

    def due_count(self, staff: Staff) -> int:
        """How many tasks the agent could claim now or later today: due, inside their window,
        for the agent's team or assigned to them (calling hours aside)."""
        now = self.clock.now()
        with self.sessions() as session:
            count = session.execute(
                select(func.count())
                .select_from(CallbackTask)
                .join(Member, col(Member.id) == col(CallbackTask.member_id))
                .where(*_due_for(staff, staff.team, now))
            ).scalar_one()
            return int(count)

    def queue_size(self, session: Session, team: str | None = None) -> int:
        query = (
            select(func.count())
            .select_from(CallbackTask)
            .where(col(CallbackTask.status) == TaskStatus.QUEUED.value)
        )
        if team is not None:
            query = query.where(col(CallbackTask.team) == team)
        return int(session.execute(query).scalar_one())


def _rowcount(result: Any) -> int:
    """Rows an UPDATE matched. Session.execute is typed to return a Result; for an UPDATE it
    is a CursorResult, which has the count."""
    return cast(CursorResult[Any], result).rowcount


def _due_for(
    staff: Staff, team: str | None, now: datetime, *, sqlite: bool = False
) -> list[ColumnElement[bool]]:
    """The tasks `staff` may take now: queued, due, inside their window, a member who may be
    called, for their team (or no team) unless assigned to someone else.

    On SQLite, which keeps no statistics, the time terms are marked likely true (most of a
    queue is due and inside its window), so the planner walks the queue index in the claim's
    order and stops at the first callable task instead of sorting every queued one."""
    mostly = func.likely if sqlite else (lambda condition: condition)
    return [
        col(CallbackTask.status) == TaskStatus.QUEUED.value,
        mostly(col(CallbackTask.next_attempt_at) <= now),
        mostly(col(CallbackTask.latest_at) > now),
        col(Member.do_not_call).is_(False),
        (col(CallbackTask.assigned_staff_id) == staff.id)
        | (
            (col(CallbackTask.assigned_staff_id).is_(None))
            & ((col(CallbackTask.team) == team) | col(CallbackTask.team).is_(None))
        ),
    ]


def _reason(value: Reason | str) -> Reason:
    try:
        return Reason(value)
    except ValueError:
        raise ValidationError("reason", f"one of {', '.join(r.value for r in Reason)}") from None
