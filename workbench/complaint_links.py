"""Where a complaint's calls, messages and callback tasks are found: each carries the
complaint's id (and a record may also be linked by hand, by its reference). Outside the domain
packages because it reads three of them, telephony among them, which the tickets package may
not import; bootstrap hands these sources to the complaint service.

Summaries are codes and counts only: no number, address, message text or feedback."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session

from workbench.callbacks.models import CallbackTask
from workbench.messaging.models import OutboxMessage
from workbench.telephony.models import Call
from workbench.tickets.story import LinkedRecord, LinkSource


def _ids(refs: set[str]) -> list[int]:
    return [int(ref) for ref in refs if ref.isdigit()]


def callback_tasks(session: Session, complaint_id: int, refs: set[str]) -> list[LinkedRecord]:
    rows = session.scalars(select(CallbackTask).where(
        or_(CallbackTask.complaint_id == complaint_id, CallbackTask.id.in_(_ids(refs)))))  # fmt: skip
    return [
        LinkedRecord("callback", str(task.id), task.created_at,
                     " · ".join(filter(None, (task.reason, task.status, task.outcome,
                                              f"{task.attempts} attempts"))))
        for task in rows
    ]  # fmt: skip


def messages(session: Session, complaint_id: int, refs: set[str]) -> list[LinkedRecord]:
    rows = session.scalars(select(OutboxMessage).where(
        or_(OutboxMessage.complaint_id == complaint_id, OutboxMessage.id.in_(_ids(refs)))))  # fmt: skip
    return [
        LinkedRecord("message", str(m.id), m.created_at,
                     f"{m.channel} {m.template} · {m.status}"
                     + (" · to staff" if m.staff_id is not None else " · to the member"))
        for m in rows
    ]  # fmt: skip


def calls(session: Session, complaint_id: int, refs: set[str]) -> list[LinkedRecord]:
    rows = session.scalars(select(Call).where(
        or_(Call.complaint_id == complaint_id, Call.call_sid.in_(refs))))  # fmt: skip
    return [
        LinkedRecord("call", call.call_sid, call.started_at,
                     " · ".join(filter(None, (call.direction, call.status,
                                              f"{call.duration_seconds} s"
                                              if call.duration_seconds is not None else None,
                                              "recorded" if call.recording_sid else None))))
        for call in rows
    ]  # fmt: skip


SOURCES: dict[str, LinkSource] = {"call": calls, "message": messages, "callback": callback_tasks}
