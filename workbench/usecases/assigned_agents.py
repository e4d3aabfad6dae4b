"""A member's assigned agent (专属客服, seed 000): supervisors and administrators assign one of
the hotline's agents to a member of a high enough tier (telephony_assigned_agent_min_rank), and
unassign them; the member's calls ring that agent first (telephony/routing.py). Audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.audit.chain import AuditLog
from workbench.clock import Clock
from workbench.db.ids import saved_id
from workbench.errors import InvalidState, ValidationError
from workbench.members.models import Member, MemberStatus, Role, Staff
from workbench.members.registry import MemberRegistry
from workbench.members.tiers import TierScheme
from workbench.permissions.access import serves_member
from workbench.telephony.routing import ASSIGNABLE_ROLES
from workbench.telephony.routing_models import AssignedAgent
from workbench.usecases.base import UnitOfWork, require_role
from workbench.usecases.member_refs import find_member
from workbench.usecases.protection import staff_named

if TYPE_CHECKING:
    from sqlmodel import Session

    from workbench.bootstrap import Services

ASSIGNING_ROLES = (Role.SUPERVISOR, Role.ADMIN)


@dataclass(frozen=True)
class Assignment:
    member_no: str
    tier_code: str
    agent: str | None  # the agent's username; None: no assigned agent
    since: datetime | None


class AssignedAgentDesk:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        registry: MemberRegistry,
        audit: AuditLog,
        scheme: TierScheme,
        min_rank: int,
        clock: Clock,
    ) -> None:
        self.uow = uow
        self.registry = registry
        self.audit = audit
        self.scheme = scheme
        self.min_rank = min_rank
        self.clock = clock

    def assigned(self, actor: Staff, member_no: str) -> Assignment:
        require_role(actor, ASSIGNING_ROLES, "see members' assigned agents")
        with self.uow.read() as session:
            member = find_member(session, self.registry, actor, member_no)
            return self._assignment(session, member)

    def assign(self, actor: Staff, member_no: str, username: str) -> Assignment:
        """The member's calls ring `username` first from now on (replacing an earlier one)."""
        require_role(actor, ASSIGNING_ROLES, "assign an agent to a member")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, member_no)
            if member.status != MemberStatus.ACTIVE:
                raise InvalidState(f"member {member.member_no} is {member.status}")
            self._require_rank(member)
            agent = staff_named(session, username.strip())
            if not agent.active or agent.role not in ASSIGNABLE_ROLES:
                raise ValidationError("agent", f"{agent.username} does not take hotline calls")
            # Rung for the member, the agent must be one who may serve them.
            if not serves_member(session, agent, member):
                raise ValidationError(
                    "agent", f"{agent.username} does not serve the member's store"
                )
            row = session.get(AssignedAgent, member.id)
            previous = None
            if row is None:
                row = AssignedAgent(
                    member_id=saved_id(member),
                    staff_id=saved_id(agent),
                    assigned_by_id=saved_id(actor),
                    assigned_at=self.clock.now(),
                )
                session.add(row)
            else:
                previous = row.staff_id
                row.staff_id, row.assigned_by_id = saved_id(agent), saved_id(actor)
                row.assigned_at = self.clock.now()
            self.audit.record(
                session,
                action="assigned_agent",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={"agent_id": agent.id, "previous_agent_id": previous},
            )
            session.flush()
            return self._assignment(session, member)

    def unassign(self, actor: Staff, member_no: str) -> Assignment:
        """The member's calls go to the priority queue like other members' (nothing to undo
        is refused, so a mistyped number is noticed)."""
        require_role(actor, ASSIGNING_ROLES, "unassign a member's agent")
        with self.uow.write() as session:
            member = find_member(session, self.registry, actor, member_no)
            row = session.get(AssignedAgent, member.id)
            if row is None:
                raise InvalidState(f"member {member.member_no} has no assigned agent")
            self.audit.record(
                session,
                action="unassigned_agent",
                result="ok",
                actor_id=actor.id,
                member_id=member.id,
                detail={"agent_id": row.staff_id},
            )
            session.delete(row)
            session.flush()
            return self._assignment(session, member)

    def _require_rank(self, member: Member) -> None:
        lowest = [t for t in self.scheme.tiers if t.rank >= self.min_rank]
        tier = next((t for t in self.scheme.tiers if t.code == member.tier_code), None)
        if tier is None or tier.rank < self.min_rank:
            needed = lowest[0].code if lowest else "none"
            raise ValidationError(
                "member",
                f"{member.member_no} is {member.tier_code}: an assigned agent is for {needed} "
                "and above",
            )

    @staticmethod
    def _assignment(session: Session, member: Member) -> Assignment:
        row = session.get(AssignedAgent, member.id)
        agent = session.get(Staff, row.staff_id) if row is not None else None
        return Assignment(
            member.member_no,
            member.tier_code,
            agent.username if agent is not None else None,
            row.assigned_at if row is not None else None,
        )


def assigned_agent_desk(s: Services, uow: UnitOfWork) -> AssignedAgentDesk:
    return AssignedAgentDesk(
        uow=uow,
        registry=s.registry,
        audit=s.audit,
        scheme=s.scheme,
        min_rank=s.settings.telephony_assigned_agent_min_rank,
        clock=s.clock,
    )
