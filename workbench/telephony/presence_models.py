"""Where each hotline agent is: available, on a call, in wrap-up, on a break or offline. One row
per agent holds the current state (routing and the wallboard read it); the state log keeps every
period, so time in each state can be reported."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from workbench.db.types import utc_column


class AgentState(StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    BREAK = "break"
    OFFLINE = "offline"


class AgentPresence(SQLModel, table=True):
    """The agent's state now. A change locks this row (SELECT … FOR UPDATE on PostgreSQL), so
    two calls can never both take an agent who was available."""

    __tablename__ = "agent_presence"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    state: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    since: datetime = Field(sa_column=utc_column(nullable=False))
    # The call the agent is on or wrapping up, if any.
    call_id: int | None = Field(default=None, foreign_key="call.id")


class AgentStateLog(SQLModel, table=True):
    """One period in one state; `ended_at` is empty for the current one."""

    __tablename__ = "agent_state_log"
    __table_args__ = (Index("ix_agent_state_log_staff", "staff_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    state: str = Field(sa_column=Column(String(16), nullable=False))
    call_id: int | None = Field(default=None, foreign_key="call.id")
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=utc_column())
