"""A member's assigned agent (专属客服, seed 000): the agent their calls are offered to first.
One row per member; supervisors assign and unassign (workbench/usecases/assigned_agents.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from workbench.db.types import utc_column


class AssignedAgent(SQLModel, table=True):
    __tablename__ = "assigned_agent"

    member_id: int = Field(foreign_key="member.id", primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)  # "whose members are these"
    assigned_by_id: int = Field(foreign_key="staff.id")
    assigned_at: datetime = Field(sa_column=utc_column(nullable=False))
