"""Per-staff limits on look-ups and reveals, and the supervisor's approval beyond them.

Each staff member may run so many exact look-ups and so many reveals in a clock hour (settings
[access]). The count lives in the database (one `access_counter` row per staff member, action
and hour), so it holds across every TUI, CLI and server process; it is taken in the transaction
of the look-up or reveal itself, by one conditional UPDATE (`used < allowance`), which on
PostgreSQL holds the row's lock until that transaction ends: two processes can never both take
the last one. Beyond the limit the action is refused, an approval request is stored (one per
staff member, action and hour) and the branch's supervisors are told: on their home screen and
by e-mail through the outbox. A supervisor's approval adds another hour's allowance for the
rest of that hour. Every refusal and approval is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from sqlalchemy import Column, Index, String, UniqueConstraint, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel, col

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.db.types import utc_column
from workbench.errors import InvalidState, LimitExceeded, NotFound, PermissionDenied
from workbench.members.models import Role, Staff, Store, StoreKind
from workbench.members.ports import StaffNotices

WINDOW = timedelta(hours=1)
APPROVER_ROLES = frozenset({Role.SUPERVISOR})


class LimitedAction(StrEnum):
    LOOKUP = "lookup"  # an exact search by phone or card number
    REVEAL = "reveal"  # one field shown unmasked


PLURAL = {LimitedAction.LOOKUP: "look-ups", LimitedAction.REVEAL: "reveals"}


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"


class AccessCounter(SQLModel, table=True):
    """How many of an action one staff member took in one clock hour, and how many they may."""

    __tablename__ = "access_counter"
    __table_args__ = (
        UniqueConstraint("staff_id", "action", "window_start", name="uq_access_counter"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    action: str = Field(sa_column=Column(String(16), nullable=False))
    window_start: datetime = Field(sa_column=utc_column(nullable=False))
    used: int = 0
    allowance: int


class AccessApproval(SQLModel, table=True):
    """A staff member reached a limit and asks a supervisor to let them go on this hour."""

    __tablename__ = "access_approval"
    __table_args__ = (Index("ix_access_approval_open", "status", "window_end"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    action: str = Field(sa_column=Column(String(16), nullable=False))
    window_start: datetime = Field(sa_column=utc_column(nullable=False))
    window_end: datetime = Field(sa_column=utc_column(nullable=False))
    used: int  # how many were taken when the limit was reached
    requested_at: datetime = Field(sa_column=utc_column(nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    decided_by_id: int | None = Field(default=None, foreign_key="staff.id")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column())
    extra: int = 0  # what the approval added to the allowance


class AccessLimitReached(LimitExceeded):
    """Refused: the hour's limit is used up; a supervisor was asked to approve more."""

    def __init__(self, action: LimitedAction, request_id: int, until: datetime) -> None:
        super().__init__(
            f"limit reached: a supervisor must approve further {PLURAL[action]} this hour "
            f"(request {request_id} sent to the supervisors; the limit resets at {until:%H:%M})"
        )
        self.action = action
        self.request_id = request_id
        self.until = until


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window_of(at: datetime) -> Window:
    """The clock hour (UTC) that holds `at`."""
    start = at.replace(minute=0, second=0, microsecond=0)
    return Window(start, start + WINDOW)


def _serves_all(session: Session, staff: Staff) -> bool:
    if staff.store_id is None:
        return True
    store = session.get(Store, staff.store_id)
    return store is not None and store.kind == StoreKind.HEADQUARTERS


class AccessLimits:
    def __init__(
        self,
        *,
        clock: Clock,
        audit: AuditLog,
        per_hour: Mapping[LimitedAction, int],  # 0: no limit
        notify_staff: StaffNotices | None = None,
        zone: tzinfo | None = None,  # the times in the supervisors' e-mail
    ) -> None:
        self.clock = clock
        self.audit = audit
        self.per_hour = {LimitedAction(k): int(v) for k, v in per_hour.items()}
        self.notify_staff = notify_staff
        self.zone = zone

    # Taking one --------------------------------------------------------------------------------
    def take(self, session: Session, actor: Staff, action: LimitedAction) -> None:
        """Counts one `action` of `actor` in the caller's transaction, or, with the hour's
        allowance used up, stores (once) an approval request, tells the supervisors, commits
        that and raises AccessLimitReached."""
        limit = self.per_hour.get(action, 0)
        if limit <= 0:
            return
        staff_id = saved_id(actor)
        window = window_of(self.clock.now())
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(AccessCounter)
            .values(
                staff_id=staff_id,
                action=action.value,
                window_start=window.start,
                used=0,
                allowance=limit,
            )
            .on_conflict_do_nothing(index_elements=["staff_id", "action", "window_start"])
        )
        here = (
            col(AccessCounter.staff_id) == staff_id,
            col(AccessCounter.action) == action.value,
            col(AccessCounter.window_start) == window.start,
        )
        # One statement checks and counts: a concurrent transaction waits on the row's lock and
        # re-checks `used < allowance` once this one has ended.
        taken = session.execute(
            update(AccessCounter)
            .where(*here, col(AccessCounter.used) < col(AccessCounter.allowance))
            .values(used=col(AccessCounter.used) + 1)
            .returning(col(AccessCounter.used))
        ).first()
        if taken is not None:
            return
        counter = session.scalars(select(AccessCounter).where(*here).with_for_update()).one()
        request = self._request(session, actor, action, window, counter.used)
        session.commit()
        until = window.end.astimezone(self.zone) if self.zone else window.end
        raise AccessLimitReached(action, saved_id(request), until)

    def _request(
        self, session: Session, actor: Staff, action: LimitedAction, window: Window, used: int
    ) -> AccessApproval:
        existing = session.scalars(
            select(AccessApproval).where(
                col(AccessApproval.staff_id) == actor.id,
                col(AccessApproval.action) == action.value,
                col(AccessApproval.window_start) == window.start,
                col(AccessApproval.status) == ApprovalStatus.PENDING.value,
            )
        ).first()
        now = self.clock.now()
        if existing is not None:  # asked already: refused again, the supervisors not re-told
            self.audit.record(
                session,
                action=f"{action.value}_limit",
                result="refused",
                actor_id=actor.id,
                detail={"used": used, "request": existing.id, "new": False},
            )
            return existing
        request = AccessApproval(
            staff_id=saved_id(actor),
            action=action.value,
            window_start=window.start,
            window_end=window.end,
            used=used,
            requested_at=now,
            status=ApprovalStatus.PENDING.value,
        )
        session.add(request)
        session.flush()
        self.audit.record(
            session,
            action=f"{action.value}_limit",
            result="refused",
            actor_id=actor.id,
            detail={"used": used, "request": request.id, "new": True},
        )
        self._tell_supervisors(session, actor, request)
        return request

    def _tell_supervisors(self, session: Session, actor: Staff, request: AccessApproval) -> None:
        if self.notify_staff is None:
            return
        until = request.window_end.astimezone(self.zone) if self.zone else request.window_end
        extra = {
            "request_id": request.id,
            "requester": actor.display_name or actor.username,
            "username": actor.username,
            "action": request.action,
            "used": request.used,
            "until": f"{until:%H:%M}",
        }
        for supervisor in self.approvers_for(session, actor):
            self.notify_staff(
                session,
                supervisor,
                "access_approval",
                extra=extra,
                dedupe_key=f"access-approval:{request.id}:{supervisor.id}",
            )

    def approvers_for(self, session: Session, staff: Staff) -> list[Staff]:
        """The active supervisors who may approve for `staff`: of the same store, or of head
        office (or of no store), never `staff` themselves."""
        head_office = select(col(Store.id)).where(col(Store.kind) == StoreKind.HEADQUARTERS)
        branch = or_(
            col(Staff.store_id).is_(None),
            col(Staff.store_id).in_(head_office),
            *([col(Staff.store_id) == staff.store_id] if staff.store_id is not None else []),
        )
        return list(
            session.scalars(
                select(Staff)
                .where(
                    col(Staff.role).in_([str(r) for r in APPROVER_ROLES]),
                    col(Staff.active).is_(True),
                    col(Staff.id) != staff.id,
                    branch,
                )
                .order_by(col(Staff.id))
            )
        )

    # Deciding ----------------------------------------------------------------------------------
    def may_approve(self, session: Session, approver: Staff, staff: Staff) -> bool:
        if approver.role not in APPROVER_ROLES or not approver.active or approver.id == staff.id:
            return False
        return approver.store_id == staff.store_id or _serves_all(session, approver)

    def pending(self, session: Session, approver: Staff) -> list[tuple[AccessApproval, Staff]]:
        """Open requests of this hour that `approver` may decide, oldest first."""
        if approver.role not in APPROVER_ROLES:
            return []
        rows = session.execute(
            select(AccessApproval, Staff)
            .join(Staff, col(Staff.id) == AccessApproval.staff_id)
            .where(
                col(AccessApproval.status) == ApprovalStatus.PENDING.value,
                col(AccessApproval.window_end) > self.clock.now(),
            )
            .order_by(col(AccessApproval.requested_at), col(AccessApproval.id))
        ).all()
        return [(r, s) for r, s in rows if self.may_approve(session, approver, s)]

    def approve(self, session: Session, approver: Staff, request_id: int) -> AccessApproval:
        """Raises the requester's allowance by another hour's worth for the rest of the hour
        (audited). A request out of the approver's reach reads as not found."""
        request = session.scalars(
            select(AccessApproval).where(col(AccessApproval.id) == request_id).with_for_update()
        ).first()
        staff = session.get(Staff, request.staff_id) if request is not None else None
        if approver.role not in APPROVER_ROLES:
            raise PermissionDenied(
                f"{approver.username} ({approver.role}) may not approve access beyond the limits"
            )
        if request is None or staff is None or not self.may_approve(session, approver, staff):
            raise NotFound(f"no approval request {request_id} for you to decide")
        if request.status != ApprovalStatus.PENDING.value:
            raise InvalidState(f"request {request_id} was already {request.status}")
        now = self.clock.now()
        if request.window_end <= now:
            raise InvalidState(
                f"request {request_id} was for an hour that has ended: the limit has reset"
            )
        action = LimitedAction(request.action)
        extra = max(self.per_hour.get(action, 0), 1)
        session.execute(
            update(AccessCounter)
            .where(
                col(AccessCounter.staff_id) == request.staff_id,
                col(AccessCounter.action) == request.action,
                col(AccessCounter.window_start) == request.window_start,
            )
            .values(allowance=col(AccessCounter.allowance) + extra)
        )
        request.status = ApprovalStatus.APPROVED.value
        request.decided_by_id = approver.id
        request.decided_at = now
        request.extra = extra
        self.audit.record(
            session,
            action="access_approval",
            result="approved",
            actor_id=approver.id,
            detail={
                "request": request.id,
                "staff": request.staff_id,
                "action": request.action,
                "extra": extra,
            },
        )
        return request

    def counts(self, session: Session, staff_id: int) -> dict[LimitedAction, tuple[int, int]]:
        """(used, allowance) of each limited action this hour; actions not yet taken show
        (0, the limit)."""
        window = window_of(self.clock.now())
        found = {
            LimitedAction(c.action): (c.used, c.allowance)
            for c in session.scalars(
                select(AccessCounter).where(
                    col(AccessCounter.staff_id) == staff_id,
                    col(AccessCounter.window_start) == window.start,
                )
            )
        }
        return {a: found.get(a, (0, self.per_hour.get(a, 0))) for a in LimitedAction}
