"""Callback tasks: scheduling, claiming (a lease plus an access grant), outcomes with retries,
lapsed leases, campaigns. Claims and outcomes open their own transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

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
from workbench.db.engine import immediate_session
from workbench.errors import InvalidState, NotFound, PermissionDenied, ValidationError
from workbench.members.models import Member, Staff, Store
from workbench.permissions.access import MemberAccess
from workbench.permissions.models import GrantSource

RETRY_OUTCOMES = {Outcome.NO_ANSWER, Outcome.BUSY}


class DuplicateTask(ValidationError):
    def __init__(self, reason: str) -> None:
        super().__init__("reason", f"the member already has an open {reason} callback")


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
        return min(self.base * (2 ** max(attempts - 1, 0)), self.ceiling)


class CallbackService:
    def __init__(
        self,
        *,
        clock: Clock,
        sessions,
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
    def schedule(self, session: Session, *, member_id: int, reason: Reason | str,
                 earliest_at: datetime | None = None, latest_at: datetime | None = None,
                 priority: int = 0, team: str | None = None,
                 assigned_staff_id: int | None = None, complaint_id: int | None = None,
                 campaign_id: int | None = None) -> CallbackTask:  # fmt: skip
        """A new task. Refused for a member who asked not to be called, or who already has an
        open task for the same reason."""
        reason = _reason(reason)
        member = session.get(Member, member_id)
        if member is None:
            raise NotFound(f"no member with id {member_id}")
        if member.do_not_call:
            raise ValidationError("member", f"{member.member_no} asked not to be called")
        now = self.clock.now()
        earliest = earliest_at or now
        latest = latest_at or earliest + timedelta(days=7)
        if latest <= earliest:
            raise ValidationError("latest_at", "the window must end after it starts")
        task = CallbackTask(
            member_id=member_id, reason=reason.value, priority=priority, team=team,
            assigned_staff_id=assigned_staff_id, complaint_id=complaint_id,
            campaign_id=campaign_id, earliest_at=earliest, latest_at=latest,
            next_attempt_at=earliest, status=TaskStatus.QUEUED.value, created_at=now,
        )  # fmt: skip
        try:
            with session.begin_nested():
                session.add(task)
        except IntegrityError:
            raise DuplicateTask(reason.value) from None
        return task

    def schedule_complaint_follow_up(self, session: Session, complaint) -> int | None:
        """After a low satisfaction score: the handler calls the member back within 3 days.
        Nothing when the member asked not to be called or a follow-up is already open."""
        now = self.clock.now()
        try:
            task = self.schedule(
                session, member_id=complaint.member_id, reason=Reason.COMPLAINT_FOLLOW_UP,
                earliest_at=now, latest_at=now + timedelta(days=3), priority=5,
                assigned_staff_id=complaint.handler_id, complaint_id=complaint.id,
            )  # fmt: skip
        except ValidationError:
            return None
        session.flush()
        return task.id

    # Claiming -------------------------------------------------------------------------------------
    def claim_next(self, staff: Staff, *, team: str | None = None) -> Claim | None:
        """The next due task for the agent's team (or assigned to them), locked so no other
        agent gets it; opens the agent's grant on the member for the call window."""
        now = self.clock.now()
        team = team if team is not None else staff.team
        with immediate_session(self.sessions) as session:
            query = (
                select(CallbackTask, Member.member_no, Store.timezone)
                .join(Member, Member.id == CallbackTask.member_id)
                .join(Store, Store.id == Member.store_id)
                .where(
                    CallbackTask.status == TaskStatus.QUEUED.value,
                    CallbackTask.next_attempt_at <= now,
                    CallbackTask.latest_at > now,
                    Member.do_not_call.is_(False),
                    (CallbackTask.assigned_staff_id == staff.id)
                    | ((CallbackTask.assigned_staff_id.is_(None))
                       & ((CallbackTask.team == team) | CallbackTask.team.is_(None))),
                )
                .order_by(CallbackTask.priority.desc(), CallbackTask.next_attempt_at,
                          CallbackTask.id)
                .limit(50)
            )  # fmt: skip
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=CallbackTask)
            for task, member_no, zone in session.execute(query):
                if not self.calling_hours.allows(
                    now, ZoneInfo(zone) if zone else self.default_zone
                ):
                    continue  # quiet hours where this member lives
                return self._claim(session, task, member_no, staff, now)
            return None

    def _claim(self, session, task: CallbackTask, member_no: str, staff: Staff, now) -> Claim:
        claimed = session.execute(
            update(CallbackTask)
            .where(CallbackTask.id == task.id, CallbackTask.status == TaskStatus.QUEUED.value)
            .values(status=TaskStatus.CLAIMED.value, claimed_by_id=staff.id,
                    lease_until=now + self.lease)
            .execution_options(synchronize_session=False)
        ).rowcount  # fmt: skip
        if claimed != 1:  # cannot happen under the lock; refuse rather than double-claim
            raise InvalidState(f"callback task {task.id} was claimed by someone else")
        grant_until = min(task.latest_at, now + self.call_window) + self.grant_grace
        self.access.open_grant(
            session, staff_id=staff.id, member_id=task.member_id, source=GrantSource.CALLBACK,
            source_ref=str(task.id), starts_at=now, ends_at=grant_until,
            reason=f"callback {task.reason}",
        )  # fmt: skip
        session.commit()
        return Claim(task.id, task.member_id, member_no, task.reason, task.attempts, grant_until,
                     now + self.lease)  # fmt: skip

    # Outcomes ---------------------------------------------------------------------------------------
    def record_outcome(self, staff: Staff, *, task_id: int, outcome: Outcome | str,
                       feedback: str | None = None,
                       call_back_at: datetime | None = None) -> CallbackTask:  # fmt: skip
        try:
            outcome = Outcome(outcome)
        except ValueError:
            allowed = ", ".join(o.value for o in Outcome)
            raise ValidationError("outcome", f"one of {allowed}") from None
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
                    "call_back_at", "a time after now and before the task's window ends "
                    f"({task.latest_at:%Y-%m-%d %H:%M} UTC)",
                )  # fmt: skip
            feedback_enc = self.cipher.encrypt("callback.feedback", feedback.strip()) \
                if feedback and feedback.strip() else None  # fmt: skip
            session.add(CallbackAttempt(task_id=task.id, staff_id=staff.id, at=now,
                                        outcome=outcome.value, call_back_at=call_back_at,
                                        feedback_enc=feedback_enc))  # fmt: skip
            task.attempts += 1
            task.outcome = outcome.value
            task.feedback_enc = feedback_enc or task.feedback_enc
            task.claimed_by_id = None
            task.lease_until = None
            self._after(session, task, outcome, call_back_at, now)
            self.access.end_grants(session, source=GrantSource.CALLBACK, source_ref=str(task.id))
            session.commit()
            return task

    def _after(self, session, task: CallbackTask, outcome: Outcome, call_back_at, now) -> None:
        if outcome in (Outcome.REACHED, Outcome.REFUSED):
            task.status, task.closed_at = TaskStatus.DONE.value, now
        elif outcome == Outcome.WRONG_NUMBER:
            task.status, task.closed_at = TaskStatus.UNREACHED.value, now
        elif outcome == Outcome.CALL_BACK_LATER:
            task.status, task.next_attempt_at = TaskStatus.QUEUED.value, call_back_at
        elif outcome == Outcome.DO_NOT_CALL:
            member = session.get(Member, task.member_id)
            member.do_not_call = True
            task.status, task.closed_at = TaskStatus.CANCELLED.value, now
            session.execute(
                update(CallbackTask)
                .where(CallbackTask.member_id == task.member_id,
                       CallbackTask.status.in_(OPEN_STATUSES), CallbackTask.id != task.id)
                .values(status=TaskStatus.CANCELLED.value, closed_at=now, outcome="do_not_call")
                .execution_options(synchronize_session=False)
            )  # fmt: skip
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
                    CallbackTask.status == TaskStatus.CLAIMED.value, CallbackTask.lease_until <= now
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
                CallbackTask.claimed_by_id == staff.id,
                CallbackTask.status == TaskStatus.CLAIMED.value,
            )
            return list(session.scalars(query.order_by(CallbackTask.lease_until)))

    def feedback(self, task: CallbackTask) -> str | None:
        return self.cipher.decrypt("callback.feedback", task.feedback_enc)

    def queue_size(self, session: Session, team: str | None = None) -> int:
        query = (
            select(func.count())
            .select_from(CallbackTask)
            .where(CallbackTask.status == TaskStatus.QUEUED.value)
        )
        if team is not None:
            query = query.where(CallbackTask.team == team)
        return session.scalar(query)


def _reason(value: Reason | str) -> Reason:
    try:
        return Reason(value)
    except ValueError:
        raise ValidationError("reason", f"one of {', '.join(r.value for r in Reason)}") from None
