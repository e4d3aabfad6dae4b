"""A member whose personal data has spread through the system, the way it does in real use:
welcome messages in the outbox, a complaint worked through with notes and a plan, a callback
with feedback, a pending change request, a hotline call from their phone; and a caller who is
not a member with a complaint of their own. Key rotation and erasure are tested against it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Text, func, select, text, update

from workbench.bootstrap import build_telephony
from workbench.complaints.service import ComplaintIntake
from workbench.members.models import Member
from workbench.messaging.models import OutboxMessage
from workbench.telephony.models import Call

HOTLINE = "+862160000000"
STRANGER_PHONE = "+8613700009999"
WORDS = "会员张伟说店员态度恶劣"  # the member's own words, in every free-text field


@dataclass
class Traces:
    complaint_no: str
    stranger_complaint_no: str
    task_id: int
    change_id: int
    call_sid: str
    stranger_call_sid: str


def leave_traces(wb, world) -> Traces:
    staff = world.staff
    agent, supervisor = staff["agent"], staff["supervisor"]
    with wb.sessions() as session:
        assert session.scalar(
            select(func.count()).where(OutboxMessage.member_id == world.member_id)
        ), "approving the member queues the welcome messages"
        complaint = wb.complaints.open(
            session,
            actor=agent,
            intake=ComplaintIntake(
                channel="hotline",
                category="service_attitude",
                description=WORDS,
                member_no=world.member_no,
            ),
        )
        number = complaint.complaint_no
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="customer_service",
            actor=supervisor,
            handler=agent,
            note=WORDS,
        )
        wb.complaints.investigate(session, complaint_no=number, actor=agent, note=WORDS)
        wb.complaints.propose(
            session,
            complaint_no=number,
            root_cause="staff_conduct",
            responsible_party="SH01",
            plan=WORDS,
            actor=agent,
        )
        wb.complaints.approve(session, complaint_no=number, actor=supervisor)
        wb.complaints.inform(session, complaint_no=number, actor=agent, note=WORDS)
        stranger = wb.complaints.open(
            session,
            actor=agent,
            intake=ComplaintIntake(
                channel="hotline", category="other", description="路人投诉", contact=STRANGER_PHONE
            ),
        )
        task = wb.callbacks.schedule(
            session, member_id=world.member_id, reason="satisfaction_check"
        )
        # A staff member's address, where escalations are e-mailed: encrypted too.
        wb.staff.set_email(
            session,
            actor=staff["admin"],
            username=supervisor.username,
            email="supervisor@example.com",
        )
        # The member's address hard-bounced once: the bounce list holds it, encrypted.
        wb.outbox.mark_bounced(session, session.get(Member, world.member_id), wb.clock.now())
        session.commit()
        task_id, stranger_no = task.id, stranger.complaint_no
    claim = wb.callbacks.claim_next(agent)
    assert claim is not None and claim.task_id == task_id
    wb.callbacks.record_outcome(
        agent,
        task_id=task_id,
        outcome="call_back_later",
        feedback=WORDS,
        call_back_at=wb.clock.now() + timedelta(hours=1),
    )
    change = wb.changes.request(
        staff["sales_own"],
        member_no=world.member_no,
        field="email",
        new_value="zhang.wei@example.com",
        reason="moved",
    )
    # What the member said when asking to leave, as the agent wrote it down.
    wb.usecases.termination.request(agent, world.member_no, note=WORDS)
    hotline = build_telephony(wb).hotline
    call_sid, stranger_sid = "CA" + "7" * 32, "CA" + "8" * 32
    hotline.incoming(call_sid=call_sid, from_number="+86" + world.app.phone, to_number=HOTLINE)
    hotline.incoming(call_sid=stranger_sid, from_number=STRANGER_PHONE, to_number=HOTLINE)
    with wb.sessions() as session:  # the agent's wrap-up of the member's call quotes them
        session.execute(
            update(Call)
            .where(Call.call_sid == call_sid)
            .values(wrap_note_enc=wb.cipher.encrypt("call.wrap_note", WORDS))
        )
        session.commit()
    return Traces(number, stranger_no, task_id, change.id, call_sid, stranger_sid)


def raw_text_values(wb) -> dict[tuple[str, str], list[str]]:
    """Every non-empty text value stored in every table, read as the database holds it."""
    from workbench.db.tables import metadata

    values: dict[tuple[str, str], list[str]] = {}
    with wb.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, Text) and "CHAR" not in str(column.type):
                    continue
                rows = connection.execute(
                    text(
                        f'SELECT "{column.name}" FROM "{table.name}" '
                        f'WHERE "{column.name}" IS NOT NULL'
                    )
                ).scalars()
                values[(table.name, column.name)] = [v for v in rows if v]
    return values
