"""Complaints' Helpdesk tickets follow the complaint's state (issue 19): a ticket is created in
the stage [odoo] ticket_stages names for the state (a closed complaint's in 已关闭, not 新建), and a
later change of state moves the existing ticket; nothing is created or written twice."""

from sqlalchemy import select

from tests.fixtures_odoo import reconfigure
from tests.integration.test_odoo_push import complain
from workbench.crm.models import ComplaintTicket, SyncIssue
from workbench.settings import Settings

TICKETS = "helpdesk.ticket"


def tickets(odoo) -> dict[str, int]:
    """Ticket name (up to the category) → ticket id."""
    return {row["name"].split("]")[0] + "]": i for i, row in odoo.tables[TICKETS].rows.items()}


def ticket_of(odoo, number: str) -> int:
    return tickets(odoo)[f"[{number}]"]


def close(wb, world, number: str) -> None:
    with wb.sessions() as session:
        wb.complaints.close(
            session,
            complaint_no=number,
            actor=world.staff["supervisor"],
            reason="member withdrew the complaint",
        )
        session.commit()


def investigate(wb, world, number: str) -> None:
    with wb.sessions() as session:
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="customer_service",
            handler=world.staff["agent"],
            actor=world.staff["supervisor"],
        )
        wb.complaints.investigate(session, complaint_no=number, actor=world.staff["agent"])
        session.commit()


def resolve(wb, world, number: str) -> None:
    """Investigating → a resolution approved and the member told (已解决)."""
    agent, supervisor = world.staff["agent"], world.staff["supervisor"]
    with wb.sessions() as session:
        wb.complaints.propose(
            session,
            complaint_no=number,
            root_cause="staff_conduct",
            responsible_party="SH01 门店",
            plan="道歉并退款",
            actor=agent,
        )
        wb.complaints.approve(session, complaint_no=number, actor=supervisor)
        wb.complaints.inform(session, complaint_no=number, actor=agent, note="电话告知处理结果")
        session.commit()


def test_a_closed_complaint_is_pushed_in_the_closed_stage(wb, world, odoo, sync):
    new = complain(wb, world, world.member_no)
    closed = complain(wb, world, world.member_no)
    close(wb, world, closed)

    report = sync.push()

    assert report.counts["tickets_created"] == 2
    assert odoo.stage(ticket_of(odoo, new)) == "新建"
    assert odoo.stage(ticket_of(odoo, closed)) == "已关闭"
    assert odoo.count(TICKETS, "write") == 0  # created in its stage, not moved after
    assert sync.push().counts["tickets_moved"] == 0
    assert len(odoo.tables[TICKETS].rows) == 2


def test_later_state_changes_move_the_existing_ticket(wb, world, odoo, sync):
    number = complain(wb, world, world.member_no)
    sync.push()
    ticket = ticket_of(odoo, number)
    assert odoo.stage(ticket) == "新建"

    investigate(wb, world, number)
    report = sync.push()
    assert report.counts["tickets_moved"] == 1 and report.counts["tickets_created"] == 0
    assert odoo.stage(ticket) == "处理中"

    resolve(wb, world, number)
    assert sync.push().counts["tickets_moved"] == 1
    assert odoo.stage(ticket) == "已解决"

    close(wb, world, number)
    assert sync.push().counts["tickets_moved"] == 1
    assert odoo.stage(ticket) == "已关闭"

    writes = odoo.count(TICKETS, "write")
    again = sync.push()
    assert again.counts["tickets_moved"] == 0 and again.counts["tickets_created"] == 0
    assert odoo.count(TICKETS, "write") == writes  # nothing written twice
    assert list(tickets(odoo)) == [f"[{number}]"]  # nor created twice


def test_a_change_within_one_stage_writes_nothing(wb, world, odoo, sync):
    number = complain(wb, world, world.member_no)
    sync.push()
    with wb.sessions() as session:  # received → assigned: both 新建
        wb.complaints.assign(
            session,
            complaint_no=number,
            department="customer_service",
            handler=world.staff["agent"],
            actor=world.staff["supervisor"],
        )
        session.commit()

    assert sync.push().counts["tickets_moved"] == 0
    assert odoo.count(TICKETS, "write") == 0
    with wb.sessions() as session:
        [row] = session.scalars(select(ComplaintTicket))
        assert row.pushed_state == "assigned"


def test_tickets_of_one_stage_move_in_one_write(wb, world, odoo, sync):
    numbers = [complain(wb, world, world.member_no) for _ in range(2)]  # batch_size is 3
    sync.push()
    for number in numbers:
        close(wb, world, number)

    assert sync.push().counts["tickets_moved"] == 2
    assert odoo.count(TICKETS, "write") == 1
    assert {odoo.stage(ticket_of(odoo, n)) for n in numbers} == {"已关闭"}


def test_a_ticket_pushed_before_stages_were_is_moved_to_its_state_stage(wb, world, odoo, sync):
    number = complain(wb, world, world.member_no)
    close(wb, world, number)
    reconfigure(wb, odoo, odoo_ticket_stages={}).push()  # as the sync did before issue 19
    ticket = ticket_of(odoo, number)
    assert odoo.stage(ticket) == "新建"

    stages = Settings.model_fields["odoo_ticket_stages"].default  # the shipped mapping
    report = reconfigure(wb, odoo, odoo_ticket_stages=stages).push()

    assert report.counts["tickets_moved"] == 1 and report.counts["tickets_created"] == 0
    assert odoo.stage(ticket) == "已关闭"


def test_a_stage_odoo_lacks_is_a_warning_and_the_ticket_stays(wb, world, odoo, sync):
    stages = odoo.tables["helpdesk.stage"].rows
    [closed_stage] = [i for i, row in stages.items() if row["name"] == "已关闭"]
    odoo.delete("helpdesk.stage", closed_stage)
    number = complain(wb, world, world.member_no)
    sync.push()
    close(wb, world, number)

    report = sync.push()

    assert report.outcome == "ok" and report.counts["tickets_moved"] == 0
    assert any("no stage 已关闭" in warning for warning in report.warnings)
    assert odoo.stage(ticket_of(odoo, number)) == "新建"


def test_a_ticket_deleted_in_odoo_is_listed_once_and_the_others_move(wb, world, odoo, sync):
    gone, kept = (complain(wb, world, world.member_no) for _ in range(2))
    sync.push()
    odoo.delete(TICKETS, ticket_of(odoo, gone))
    for number in (gone, kept):
        close(wb, world, number)

    report = sync.push()

    assert report.counts["tickets_moved"] == 1
    assert odoo.stage(ticket_of(odoo, kept)) == "已关闭"
    with wb.sessions() as session:
        [issue] = session.scalars(select(SyncIssue).where(SyncIssue.model == TICKETS))
        assert issue.kind == "skipped" and issue.reason.startswith(f"complaint {gone}: ")
    writes = odoo.count(TICKETS, "write")
    assert sync.push().counts["tickets_moved"] == 0
    assert odoo.count(TICKETS, "write") == writes  # not tried again


def test_without_helpdesk_stages_tickets_are_created_as_before(wb, world, odoo, sync):
    odoo.uninstall("helpdesk.stage")
    odoo.tables[TICKETS].fields.pop("stage_id")
    number = complain(wb, world, world.member_no)
    close(wb, world, number)

    report = sync.push()

    assert report.outcome == "ok" and report.counts["tickets_created"] == 1
    assert f"[{number}]" in tickets(odoo)
