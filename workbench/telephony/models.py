"""The call log: every hotline call in and every callback out, with its numbers encrypted, the
caller found by blind index, the agent, the recording, and links to a complaint or a callback
task. Webhook receipts make a repeated webhook's side effects happen once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from workbench.db.types import encrypted_column, utc_column


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


# Twilio's call statuses; the last five end a call.
ENDED = ("completed", "busy", "no-answer", "failed", "canceled")

# What an agent's wrap-up says came of a call.
DISPOSITIONS = (
    "resolved",
    "complaint_opened",
    "callback_scheduled",
    "information",
    "transferred",
    "other",
)


class Call(SQLModel, table=True):
    __tablename__ = "call"
    __table_args__ = (
        Index("ix_call_member", "member_id", "started_at"),
        Index("ix_call_agent", "agent_id", "started_at"),
        Index("ix_call_started", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_sid: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    direction: str = Field(max_length=8)
    from_enc: str = Field(sa_column=encrypted_column("call.from", nullable=False))
    to_enc: str = Field(sa_column=encrypted_column("call.to", nullable=False))
    # Blind index of the member's side (the caller, or the number called back): "calls with
    # this number" without decrypting the log.
    party_bidx: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    member_id: int | None = Field(default=None, foreign_key="member.id")
    status: str = Field(max_length=16)
    menu_choice: str | None = Field(default=None, max_length=8)
    queue: str | None = Field(default=None, max_length=40)
    # How the call was routed to the agents (telephony/routing.py Route): assigned, priority,
    # fallback (the assigned agent did not answer) or general; None: complaints, self-service.
    route: str | None = Field(default=None, max_length=16)
    agent_id: int | None = Field(default=None, foreign_key="staff.id")
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    callback_task_id: int | None = Field(default=None, foreign_key="callback_task.id", index=True)
    # Outbound: the agent's leg is called first; this is the member's leg, once dialled.
    member_leg_sid: str | None = Field(default=None, max_length=64)
    recording_sid: str | None = Field(default=None, max_length=64)
    recording_seconds: int | None = None
    voicemail: bool = False  # the caller left a message asking to be called back
    started_at: datetime = Field(sa_column=utc_column(nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=utc_column())
    duration_seconds: int | None = None
    # The agent's leg answered (Twilio's status callback of the dial to the agent): the talk
    # timer's start. A hold and resume dial the agent again; this stays the first answer.
    connected_at: datetime | None = Field(default=None, sa_column=utc_column())
    # On hold since (the caller hears the hold message), and the seconds of the holds ended.
    hold_started_at: datetime | None = Field(default=None, sa_column=utc_column())
    hold_seconds: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    # The agent's wrap-up: what came of the call, and their note (it may quote the member).
    disposition: str | None = Field(default=None, max_length=24)
    wrap_note_enc: str | None = Field(default=None, sa_column=encrypted_column("call.wrap_note"))
    wrapped_at: datetime | None = Field(default=None, sa_column=utc_column())


class WebhookReceipt(SQLModel, table=True):
    """A webhook's identity (its SID and what it reports): the first delivery acts, repeats
    are answered without acting again."""

    __tablename__ = "webhook_receipt"

    key: str = Field(sa_column=Column(String(160), primary_key=True))
    received_at: datetime = Field(sa_column=utc_column(nullable=False))
