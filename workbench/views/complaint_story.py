"""A complaint's story: the calls, messages and callback tasks that carry its id, and the records
linked to it by hand (by their reference). A read model, above the domain packages, because it
reads four of them, telephony among them, which the complaints package may not import.

Summaries are codes and counts only: no number, address, message text or feedback."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlmodel import Session, col

from workbench.callbacks.models import CallbackTask
from workbench.complaints.models import Complaint, ComplaintLink
from workbench.complaints.story import LinkedRecord, LinkSource
from workbench.db.ids import saved_id
from workbench.messaging.models import OutboxMessage
from workbench.telephony.models import Call


def _ids(refs: set[str]) -> list[int]:
    return [int(ref) for ref in refs if ref.isdigit()]


def callback_tasks(session: Session, complaint_id: int, refs: set[str]) -> list[LinkedRecord]:
    rows = session.scalars(
        select(CallbackTask).where(
            or_(
                col(CallbackTask.complaint_id) == complaint_id,
                col(CallbackTask.id).in_(_ids(refs)),
            )
        )
    )
    return [
        LinkedRecord(
            "callback",
            str(task.id),
            task.created_at,
            " · ".join(
                filter(None, (task.reason, task.status, task.outcome, f"{task.attempts} attempts"))
            ),
        )
        for task in rows
    ]


def messages(session: Session, complaint_id: int, refs: set[str]) -> list[LinkedRecord]:
    rows = session.scalars(
        select(OutboxMessage).where(
            or_(
                col(OutboxMessage.complaint_id) == complaint_id,
                col(OutboxMessage.id).in_(_ids(refs)),
            )
        )
    )
    return [
        LinkedRecord(
            "message",
            str(m.id),
            m.created_at,
            f"{m.channel} {m.template} · {m.status}"
            + (" · to staff" if m.staff_id is not None else " · to the member"),
        )
        for m in rows
    ]


def calls(session: Session, complaint_id: int, refs: set[str]) -> list[LinkedRecord]:
    rows = session.scalars(
        select(Call).where(
            or_(col(Call.complaint_id) == complaint_id, col(Call.call_sid).in_(refs))
        )
    )
    return [
        LinkedRecord(
            "call",
            call.call_sid,
            call.started_at,
            " · ".join(
                filter(
                    None,
                    (
                        call.direction,
                        call.status,
                        f"{call.duration_seconds} s" if call.duration_seconds is not None else None,
                        "recorded" if call.recording_sid else None,
                    ),
                )
            ),
        )
        for call in rows
    ]


SOURCES: dict[str, LinkSource] = {"call": calls, "message": messages, "callback": callback_tasks}


def story(session: Session, complaint: Complaint) -> list[LinkedRecord]:
    """Everything that belongs to the complaint's story, oldest first."""
    complaint_id = saved_id(complaint)
    query = select(ComplaintLink).where(col(ComplaintLink.complaint_id) == complaint_id)
    by_hand = list(session.scalars(query.order_by(col(ComplaintLink.id))))
    found: list[LinkedRecord] = []
    for kind, source in SOURCES.items():
        found += source(session, complaint_id, {x.ref for x in by_hand if x.kind == kind})
    known = {(record.kind, record.ref) for record in found}
    bare = [
        LinkedRecord(x.kind, x.ref, x.created_at) for x in by_hand if (x.kind, x.ref) not in known
    ]
    return sorted(bare + found, key=lambda record: record.at)
