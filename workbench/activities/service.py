"""Activities' services: the plan and its approval, sign-ups within the capacity and the
waitlist, cancellation, check-in with its points, closing with the no-shows, reminders and the
counts a report needs. Each method takes the session of the caller's transaction.

Every sign-up, cancellation and capacity change first locks the activity row (FOR UPDATE on
PostgreSQL; SQLite's immediate transaction holds the whole file), so places are counted one
transaction at a time; `CHECK (taken <= capacity)` refuses an overbooking whatever the code
does. Check-in locks the member's sign-up row: the points are credited once, whoever scans the
card twice; the first check-in (which starts the activity) locks the activity row first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from workbench.activities import rules
from workbench.activities.models import (
    Activity,
    ActivityChange,
    ActivityInvitation,
    ActivitySignup,
)
from workbench.activities.rules import (
    ActivityKind,
    ActivityState,
    Eligibility,
    InvitationStatus,
    SignupStatus,
)
from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, NotFound
from workbench.members.models import Member, MemberStatus, PointsEntry, PointsKind, Staff, Store
from workbench.members.points import PointsLedger
from workbench.members.tiers import TierScheme
from workbench.messaging.models import Purpose
from workbench.messaging.outbox import Outbox

CHECKIN_OPENS_BEFORE = timedelta(hours=2)  # doors open before the start


class NotEligible(InvalidState):
    """A member outside the activity's tiers, stores or birthday month."""


class SignupClosed(InvalidState):
    """Sign-up is not open to this member now (not approved, too early, too late)."""


class UnknownActivity(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"no activity {code.strip()!r} that you may act on")


@dataclass(frozen=True)
class SignupOutcome:
    signup: ActivitySignup
    already: bool  # the member was signed up (or waitlisted) before: nothing changed
    waitlist_position: int | None  # 1 = next to get a place


@dataclass(frozen=True)
class CheckInOutcome:
    signup: ActivitySignup
    already: bool  # checked in before: no points this time
    points: int  # credited by this check-in


@dataclass(frozen=True)
class ActivityCounts:
    """What a report of one activity needs (part 2 builds the evaluation on these)."""

    invited: int
    invited_priority: int
    invitations_queued: int
    invitations_skipped: int
    invitations_pending: int
    confirmed: int
    waitlisted: int
    cancelled: int
    checked_in: int
    no_shows: int
    points_credited: int


class ActivityService:
    def __init__(
        self,
        *,
        clock: Clock,
        outbox: Outbox,
        ledger: PointsLedger,
        scheme: TierScheme,
        zone: ZoneInfo,
        priority_min_rank: int,
    ) -> None:
        self.clock = clock
        self.outbox = outbox
        self.ledger = ledger
        self.scheme = scheme
        self.zone = zone
        self.priority_min_rank = priority_min_rank

    # Reading -----------------------------------------------------------------------------------
    def priority_tiers(self) -> tuple[str, ...]:
        """The tiers that sign up early and are invited first (silver and above in classic)."""
        return tuple(t.code for t in self.scheme.tiers if t.rank >= self.priority_min_rank)

    def by_code(self, session: Session, code: str) -> Activity:
        text = (code or "").strip().upper()
        activity = session.scalar(select(Activity).where(col(Activity.code) == text))
        if activity is None:
            raise UnknownActivity(code or "")
        return activity

    def lock(self, session: Session, activity: Activity) -> Activity:
        """The activity's row, locked until the transaction ends, re-read as committed."""
        return session.scalars(
            select(Activity)
            .where(col(Activity.id) == activity.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()

    def eligibility(self, activity: Activity) -> Eligibility:
        month = None
        if activity.kind == ActivityKind.BIRTHDAY_PARTY:
            month = activity.starts_at.astimezone(self.zone).month
        return Eligibility(
            tiers=rules.parse_codes(activity.eligible_tiers),
            stores=rules.parse_codes(activity.eligible_stores),
            birthday_month=month,
        )

    def place_label(self, session: Session, activity: Activity) -> str:
        if activity.place:
            return activity.place
        store = session.get(Store, activity.store_id) if activity.store_id else None
        return store.name if store else ""

    def counts(self, session: Session, activity: Activity) -> ActivityCounts:
        aid = saved_id(activity)
        invitations: dict[tuple[str, bool], int] = {}
        for status, priority, n in session.execute(
            select(col(ActivityInvitation.status), col(ActivityInvitation.priority), func.count())
            .where(col(ActivityInvitation.activity_id) == aid)
            .group_by(col(ActivityInvitation.status), col(ActivityInvitation.priority))
        ):
            invitations[(status, bool(priority))] = int(n)
        by_status: dict[str, int] = {}
        checked_in = no_shows = 0
        for status, attended, absent, n in session.execute(
            select(
                col(ActivitySignup.status),
                col(ActivitySignup.checked_in_at).is_not(None),
                col(ActivitySignup.no_show),
                func.count(),
            )
            .where(col(ActivitySignup.activity_id) == aid)
            .group_by(
                col(ActivitySignup.status),
                col(ActivitySignup.checked_in_at).is_not(None),
                col(ActivitySignup.no_show),
            )
        ):
            by_status[status] = by_status.get(status, 0) + int(n)
            checked_in += int(n) if attended else 0
            no_shows += int(n) if absent else 0
        points = session.scalar(
            select(func.coalesce(func.sum(col(PointsEntry.points)), 0))
            .select_from(ActivitySignup)
            .join(PointsEntry, col(PointsEntry.id) == col(ActivitySignup.points_entry_id))
            .where(col(ActivitySignup.activity_id) == aid)
        )

        def inv(status: str | None = None, priority: bool | None = None) -> int:
            return sum(
                n
                for (s, p), n in invitations.items()
                if (status is None or s == status) and (priority is None or p == priority)
            )

        return ActivityCounts(
            invited=inv(),
            invited_priority=inv(priority=True),
            invitations_queued=inv(InvitationStatus.QUEUED),
            invitations_skipped=inv(InvitationStatus.SKIPPED),
            invitations_pending=inv(InvitationStatus.PENDING),
            confirmed=by_status.get(SignupStatus.CONFIRMED, 0),
            waitlisted=by_status.get(SignupStatus.WAITLISTED, 0),
            cancelled=by_status.get(SignupStatus.CANCELLED, 0),
            checked_in=checked_in,
            no_shows=no_shows,
            points_credited=int(points or 0),
        )

    def signups(
        self, session: Session, activity: Activity, statuses: Iterable[str]
    ) -> list[tuple[ActivitySignup, Member]]:
        """Sign-ups in these statuses with their members, in the waitlist's order."""
        rows = session.execute(
            select(ActivitySignup, Member)
            .join(Member, col(Member.id) == col(ActivitySignup.member_id))
            .where(
                col(ActivitySignup.activity_id) == activity.id,
                col(ActivitySignup.status).in_(list(statuses)),
            )
            .order_by(col(ActivitySignup.queued_at), col(ActivitySignup.id))
        )
        return [(s, m) for s, m in rows]

    def changes(self, session: Session, activity: Activity) -> list[ActivityChange]:
        return list(
            session.scalars(
                select(ActivityChange)
                .where(col(ActivityChange.activity_id) == activity.id)
                .order_by(col(ActivityChange.id))
            )
        )

    # The plan ----------------------------------------------------------------------------------
    def create(self, session: Session, *, planner: Staff, values: Mapping[str, object]) -> Activity:
        """A draft from checked values (the use case parses and checks them)."""
        now = self.clock.now()
        activity = Activity(
            state=ActivityState.DRAFT.value,
            planner_id=saved_id(planner),
            created_at=now,
            **values,  # type: ignore[arg-type]  # the plan's fields, checked by the caller
        )
        self.check_plan(activity)
        session.add(activity)
        session.flush()
        activity.code = rules.activity_code(saved_id(activity))
        session.flush()
        return activity

    def check_plan(self, activity: Activity) -> None:
        rules.check_capacity(activity.capacity, activity.taken)
        rules.Windows(
            priority_opens_at=activity.priority_opens_at,
            signup_opens_at=activity.signup_opens_at,
            signup_closes_at=activity.signup_closes_at,
            cancel_until=activity.cancel_until,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
        ).check()

    def edit(
        self, session: Session, activity: Activity, *, actor: Staff, values: Mapping[str, object]
    ) -> list[ActivityChange]:
        """Changes the fields given; each one that differs is recorded (old → new), marked when
        the plan was already approved. A larger capacity gives places to the waitlist."""
        activity = self.lock(session, activity)
        if activity.state not in rules.EDITABLE:
            raise InvalidState(f"the activity is {activity.state}: its plan can no longer change")
        now, approved = self.clock.now(), activity.state == ActivityState.APPROVED
        changes = []
        for name, new in values.items():
            if name not in rules.EDIT_FIELDS:
                raise InvalidState(f"{name} is not a field of the plan")
            old = getattr(activity, name)
            if old == new:
                continue
            setattr(activity, name, new)
            changes.append(
                ActivityChange(
                    activity_id=saved_id(activity),
                    staff_id=saved_id(actor),
                    at=now,
                    field=name,
                    old=_shown(old, self.zone),
                    new=_shown(new, self.zone),
                    after_approval=approved,
                )
            )
        self.check_plan(activity)
        session.add_all(changes)
        session.flush()
        if approved:
            self.fill_places(session, activity)
        return changes

    def transition(
        self, session: Session, activity: Activity, action: str, **values: object
    ) -> Activity:
        activity = self.lock(session, activity)
        activity.state = rules.next_state(activity.state, action).value
        for name, value in values.items():
            setattr(activity, name, value)
        session.flush()
        return activity

    def cancel(self, session: Session, activity: Activity, *, reason: str) -> int:
        """Cancels the activity; everyone signed up or waitlisted is told. How many were told."""
        activity = self.transition(
            session, activity, "cancel", cancelled_at=self.clock.now(), cancel_reason=reason
        )
        told = 0
        for signup, member in self.signups(
            session, activity, (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
        ):
            told += self._notify(session, activity, member, "cancelled", signup)
        return told

    def close(self, session: Session, activity: Activity) -> int:
        """After the end: the activity is done and every confirmed member who did not check in
        is recorded as a no-show (how many)."""
        activity = self.lock(session, activity)
        now = self.clock.now()
        if now < activity.ends_at:
            raise InvalidState(
                f"the activity ends at {_shown(activity.ends_at, self.zone)}: close it after that"
            )
        self.transition(session, activity, "close", closed_at=now)
        result = session.execute(
            update(ActivitySignup)
            .where(
                col(ActivitySignup.activity_id) == activity.id,
                col(ActivitySignup.status) == SignupStatus.CONFIRMED.value,
                col(ActivitySignup.checked_in_at).is_(None),
            )
            .values(no_show=True)
            .execution_options(synchronize_session=False)
        )
        self.survey(session, activity)
        return int(getattr(result, "rowcount", 0) or 0)

    # Satisfaction ------------------------------------------------------------------------------
    def survey(self, session: Session, activity: Activity) -> int:
        """After the activity: one satisfaction message by SMS to each member who checked in
        (once: the sign-up remembers it, the dedupe key holds); they answer with a score."""
        now, queued = self.clock.now(), 0
        extra = self.context(session, activity)
        for signup, member in self.signups(session, activity, (SignupStatus.CONFIRMED,)):
            if signup.checked_in_at is None or signup.surveyed_at is not None:
                continue
            signup.surveyed_at = now
            done = self.outbox.enqueue(
                session,
                member=member,
                template="activity_survey",
                channel="sms",
                purpose=Purpose.TRANSACTIONAL,
                extra=extra,
                dedupe_key=f"activity_survey:{signup.id}",
            )
            queued += done.message is not None
        session.flush()
        return queued

    def score(
        self, session: Session, activity: Activity, member: Member, score: int, *, by: str
    ) -> ActivitySignup:
        """The member's satisfaction score (1–5), by SMS or told to staff; the latest counts.
        Only a member who checked in scores the activity."""
        rules.check_score(score)
        signup = self._signup_of(session, activity, member, lock=True)
        if signup is None or signup.checked_in_at is None:
            raise InvalidState(
                f"{member.member_no} did not take part in {activity.code}: only participants "
                "score it"
            )
        signup.satisfaction, signup.satisfaction_by = score, by
        signup.satisfaction_at = self.clock.now()
        session.flush()
        return signup

    # Sign-ups ----------------------------------------------------------------------------------
    def refusal(self, session: Session, activity: Activity, member: Member) -> str | None:
        """Why this member may not take part at all (tier, store, birthday month, status)."""
        if member.status != MemberStatus.ACTIVE:
            return f"member {member.member_no} is not active"
        store = session.get_one(Store, member.store_id)
        return self.eligibility(activity).refusal(
            tier=member.tier_code, store=store.code, birth_month_day=member.birth_month_day
        )

    def sign_up(
        self,
        session: Session,
        activity: Activity,
        member: Member,
        *,
        channel: str,
        staff_id: int | None,
    ) -> SignupOutcome:
        """A place if one is free, else the end of the waitlist; a member already signed up or
        waitlisted keeps what they have."""
        activity = self.lock(session, activity)
        refusal = self.refusal(session, activity, member)
        if refusal:
            raise NotEligible(f"{member.member_no} may not sign up for {activity.code}: {refusal}")
        now = self.clock.now()
        closed = rules.signup_refusal(
            state=activity.state,
            now=now,
            priority=member.tier_code in self.priority_tiers(),
            priority_opens_at=activity.priority_opens_at,
            signup_opens_at=activity.signup_opens_at,
            signup_closes_at=activity.signup_closes_at,
        )
        if closed:
            raise SignupClosed(f"{activity.code}: {closed}")
        signup = self._signup_of(session, activity, member)
        if signup is not None and signup.status != SignupStatus.CANCELLED:
            return SignupOutcome(signup, True, self._position(session, activity, signup))
        if signup is None:
            signup = ActivitySignup(
                activity_id=saved_id(activity),
                member_id=saved_id(member),
                status=SignupStatus.WAITLISTED.value,
                channel=channel,
                queued_at=now,
            )
            session.add(signup)
        signup.channel, signup.staff_id, signup.queued_at = channel, staff_id, now
        signup.cancelled_at = signup.confirmed_at = None
        if activity.taken < activity.capacity:
            signup.status, signup.confirmed_at = SignupStatus.CONFIRMED.value, now
            activity.taken += 1
        else:
            signup.status = SignupStatus.WAITLISTED.value
        session.flush()
        self._notify(session, activity, member, signup.status, signup)
        return SignupOutcome(signup, False, self._position(session, activity, signup))

    def cancel_signup(self, session: Session, activity: Activity, member: Member) -> ActivitySignup:
        """Before the cut-off only; a confirmed place freed goes to the waitlist's first."""
        activity = self.lock(session, activity)
        signup = self._signup_of(session, activity, member)
        if signup is None or signup.status == SignupStatus.CANCELLED:
            raise InvalidState(f"{member.member_no} is not signed up for {activity.code}")
        now = self.clock.now()
        if now >= activity.cancel_until:
            raise InvalidState(
                f"cancellations for {activity.code} closed at "
                f"{_shown(activity.cancel_until, self.zone)}"
            )
        if signup.checked_in_at is not None:
            raise InvalidState(f"{member.member_no} has already checked in")
        if signup.status == SignupStatus.CONFIRMED:
            activity.taken -= 1
        signup.status, signup.cancelled_at = SignupStatus.CANCELLED.value, now
        session.flush()
        self.fill_places(session, activity)
        return signup

    def fill_places(self, session: Session, activity: Activity) -> list[ActivitySignup]:
        """Gives the free places to the waitlist, first come first served, and tells each one.
        The caller holds the activity's lock."""
        promoted = []
        while activity.taken < activity.capacity:
            row = session.execute(
                select(ActivitySignup, Member)
                .join(Member, col(Member.id) == col(ActivitySignup.member_id))
                .where(
                    col(ActivitySignup.activity_id) == activity.id,
                    col(ActivitySignup.status) == SignupStatus.WAITLISTED.value,
                )
                .order_by(col(ActivitySignup.queued_at), col(ActivitySignup.id))
                .limit(1)
            ).first()
            if row is None:
                break
            signup, member = row
            signup.status, signup.confirmed_at = SignupStatus.CONFIRMED.value, self.clock.now()
            activity.taken += 1
            session.flush()
            self._notify(session, activity, member, "promoted", signup)
            promoted.append(signup)
        return promoted

    def _signup_of(
        self, session: Session, activity: Activity, member: Member, *, lock: bool = False
    ) -> ActivitySignup | None:
        query = select(ActivitySignup).where(
            col(ActivitySignup.activity_id) == activity.id,
            col(ActivitySignup.member_id) == member.id,
        )
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return session.scalar(query)

    def _position(self, session: Session, activity: Activity, signup: ActivitySignup) -> int | None:
        if signup.status != SignupStatus.WAITLISTED:
            return None
        ahead = session.scalar(
            select(func.count()).where(
                col(ActivitySignup.activity_id) == activity.id,
                col(ActivitySignup.status) == SignupStatus.WAITLISTED.value,
                (col(ActivitySignup.queued_at) < signup.queued_at)
                | (
                    (col(ActivitySignup.queued_at) == signup.queued_at)
                    & (col(ActivitySignup.id) < signup.id)
                ),
            )
        )
        return int(ahead or 0) + 1

    # Check-in ----------------------------------------------------------------------------------
    def check_in(
        self, session: Session, activity: Activity, member: Member, *, actor: Staff
    ) -> CheckInOutcome:
        now = self.clock.now()
        if activity.state == ActivityState.APPROVED:
            # The first check-in starts it: lock the row (before the sign-up's, as every
            # writer does) and read the state as committed, so a second desk checking in at
            # the same moment waits and then sees it running instead of starting it again.
            activity = self.lock(session, activity)
        if activity.state not in (ActivityState.APPROVED, ActivityState.RUNNING):
            raise InvalidState(f"the activity is {activity.state}: no check-in")
        if now < activity.starts_at - CHECKIN_OPENS_BEFORE:
            opens = _shown(activity.starts_at - CHECKIN_OPENS_BEFORE, self.zone)
            raise InvalidState(f"check-in for {activity.code} opens at {opens}")
        if now > activity.ends_at:
            raise InvalidState(f"{activity.code} has ended: no more check-in")
        signup = self._signup_of(session, activity, member, lock=True)
        if signup is None or signup.status == SignupStatus.CANCELLED:
            raise InvalidState(f"{member.member_no} is not signed up for {activity.code}")
        if signup.status == SignupStatus.WAITLISTED:
            raise InvalidState(
                f"{member.member_no} is on the waitlist of {activity.code}, without a place"
            )
        if signup.checked_in_at is not None:
            return CheckInOutcome(signup, True, 0)
        if activity.state == ActivityState.APPROVED:
            self.transition(session, activity, "start", started_at=now)
        signup.checked_in_at, signup.checked_in_by_id = now, saved_id(actor)
        points = activity.points
        if points > 0:
            entry = self.ledger.credit(
                session,
                member_id=saved_id(member),
                kind=PointsKind.ACTIVITY,
                points=points,
                staff_id=saved_id(actor),
                detail=f"activity:{activity.code}",
            )
            session.flush()
            signup.points_entry_id = entry.id
        session.flush()
        return CheckInOutcome(signup, False, points)

    # Reminders ---------------------------------------------------------------------------------
    def send_reminders(self, session: Session) -> int:
        """Reminds every confirmed member of an activity that starts later today or tomorrow
        (local days) and who has had no reminder yet: run through the day (the scheduler's
        hourly job), it reaches a member who signed up, or got a place off the waitlist, after
        an earlier run. Once each: the sign-up remembers it and the message's dedupe key holds."""
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        end = datetime.combine(today + timedelta(days=2), datetime.min.time(), tzinfo=self.zone)
        activities = session.scalars(
            select(Activity).where(
                col(Activity.state).in_([s.value for s in rules.OPEN_FOR_SIGNUP]),
                col(Activity.starts_at) > now,
                col(Activity.starts_at) < end,
            )
        ).all()
        sent = 0
        for activity in activities:
            for signup, member in self.signups(session, activity, (SignupStatus.CONFIRMED,)):
                if signup.reminded_at is not None:
                    continue
                signup.reminded_at = self.clock.now()
                sent += self._notify(session, activity, member, "reminder", signup)
        session.flush()
        return sent

    # Messages ----------------------------------------------------------------------------------
    def context(self, session: Session, activity: Activity) -> dict[str, object]:
        return {
            "code": activity.code or "",
            "theme": activity.theme,
            "starts": _shown(activity.starts_at, self.zone),
            "place": self.place_label(session, activity),
        }

    def _notify(
        self,
        session: Session,
        activity: Activity,
        member: Member,
        status: str,
        signup: ActivitySignup,
    ) -> int:
        """A service message about the member's own sign-up (transactional: it answers them),
        on the activity's channels; how many were queued. `status`: confirmed, waitlisted,
        promoted, cancelled (the activity) or reminder (the day before, once: its dedupe key)."""
        queued = 0
        extra = {**self.context(session, activity), "status": status}
        template = "activity_reminder" if status == "reminder" else "activity_signup"
        for channel in rules.parse_codes(activity.channels):
            key = None
            if status == "reminder":
                key = f"activity_reminder:{signup.id}:{channel}"
            done = self.outbox.enqueue(
                session,
                member=member,
                template=template,
                channel=channel,
                purpose=Purpose.TRANSACTIONAL,
                extra=extra,
                dedupe_key=key,
            )
            queued += done.message is not None
        return queued


def _shown(value: object, zone: ZoneInfo) -> str:
    """A value as a change record and a message show it: times in the local zone."""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return "" if value is None else str(value)
