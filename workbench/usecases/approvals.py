"""Access beyond the hourly limits: the approval requests a supervisor sees and decides, and how
much of their limits a staff member has used this hour (workbench.permissions.limits); and the
activity plans waiting for an approving manager (the activity desk's queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.db.ids import saved_id
from workbench.errors import NotFound
from workbench.members.models import Staff
from workbench.permissions.limits import AccessApproval, AccessLimits, LimitedAction
from workbench.usecases.activities import ActivityDesk, ActivityLine, activity_desk
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.member_refs import staff_name

if TYPE_CHECKING:
    from workbench.bootstrap import Services

APPROVERS = ("supervisor",)


@dataclass(frozen=True)
class ApprovalLine:
    id: int
    staff: str  # the requester's name, as lists show one
    username: str
    action: str  # lookup or reveal
    used: int
    requested_at: datetime
    until: datetime  # the end of the hour it is for
    status: str
    decided_by: str | None = None


@dataclass(frozen=True)
class LimitUse:
    action: str
    used: int
    allowance: int  # 0: no limit


def _line(request: AccessApproval, staff: Staff, decided_by: str | None = None) -> ApprovalLine:
    return ApprovalLine(
        id=saved_id(request),
        staff=staff.display_name or staff.username,
        username=staff.username,
        action=request.action,
        used=request.used,
        requested_at=request.requested_at,
        until=request.window_end,
        status=request.status,
        decided_by=decided_by,
    )


class AccessDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        limits: AccessLimits | None,
        activities: ActivityDesk | None = None,
    ) -> None:
        self.uow = uow
        self.limits = limits
        self.activities = activities

    def plans_waiting(self, actor: Staff) -> tuple[ActivityLine, ...]:
        """Activity plans submitted for approval that this staff member may approve (the
        approving managers; never their own plan): the home screen tells them."""
        return self.activities.awaiting_approval(actor) if self.activities else ()

    def pending(self, actor: Staff) -> list[ApprovalLine]:
        """This hour's open requests the supervisor may approve, oldest first."""
        require_role(actor, APPROVERS, "see access approval requests")
        if self.limits is None:
            return []
        with self.uow.read() as session:
            return [_line(r, s) for r, s in self.limits.pending(session, actor)]

    def waiting(self, actor: Staff) -> int:
        """How many requests wait for this staff member (0 for anyone who cannot approve): the
        home screen's notice."""
        if self.limits is None or actor.role not in APPROVERS:
            return 0
        with self.uow.read() as session:
            return len(self.limits.pending(session, actor))

    def approve(self, actor: Staff, request_id: int) -> ApprovalLine:
        """Lets the requester go on this hour with another hour's allowance (audited)."""
        require_role(actor, APPROVERS, "approve access beyond the limits")
        if self.limits is None:
            raise NotFound(f"no approval request {request_id}: access limits are off")
        with self.uow.write() as session:
            request = self.limits.approve(session, actor, request_id)
            staff = session.get(Staff, request.staff_id)
            assert staff is not None  # a request's staff member is never deleted
            return _line(request, staff, staff_name(session, actor.id))

    def usage(self, actor: Staff) -> list[LimitUse]:
        """The acting staff member's own use of each limit this hour."""
        if self.limits is None:
            return [LimitUse(a.value, 0, 0) for a in LimitedAction]
        with self.uow.read() as session:
            counts = self.limits.counts(session, saved_id(actor))
            return [LimitUse(a.value, *counts[a]) for a in LimitedAction]


def access_desk(s: Services, uow: UnitOfWork) -> AccessDesk:
    return AccessDesk(uow=uow, limits=s.access.limits, activities=activity_desk(s, uow))
