"""Item 8 of issue 19: archived partners are listed for a decision, a killed run never stays
`running`, and the partner counts of a pull's summary add up."""

import json

from sqlalchemy import select

from tests.fixtures_odoo import add_partner, partner_phone
from workbench.crm.models import SyncIssue, SyncRun
from workbench.members.models import MemberStatus

PARTNER_OUTCOMES = (
    "members_created",
    "members_linked",
    "members_updated",
    "partners_unchanged",
    "partners_skipped",
    "partners_archived",
    "identity_changes_held",
    "identity_changes_still_held",
)


def open_issues(wb, kind: str) -> list[SyncIssue]:
    with wb.sessions() as session:
        return list(
            session.scalars(
                select(SyncIssue).where(SyncIssue.kind == kind, SyncIssue.closed_at.is_(None))
            )
        )


def accounted(report) -> int:
    return sum(report.counts[name] for name in PARTNER_OUTCOMES)


def test_an_archived_members_partner_is_listed_for_a_decision(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    add_partner(odoo, 2, active=False)  # archived before it was ever a member here
    first = sync.pull(actor=world.staff["admin"])
    assert first.counts["members_created"] == 1 and first.counts["partners_archived"] == 1

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, active=False)
    report = sync.pull(actor=world.staff["admin"])
    [issue] = open_issues(wb, "archived")
    with wb.sessions() as session:
        member = wb.registry.find_by_phone(session, partner_phone(1))
    assert issue.odoo_id == partner and issue.member_id == member.id
    assert "termination request" in issue.reason and "dismiss" in issue.reason
    assert member.status == MemberStatus.ACTIVE  # nothing decided for anyone
    assert report.counts["partners_archived"] >= 1  # rows of the cursor's second come again

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, active=True)  # restored in Odoo: nothing to decide
    sync.pull(actor=world.staff["admin"])
    assert open_issues(wb, "archived") == []


def test_terminating_the_member_of_an_archived_partner_closes_its_issue(wb, world, odoo, sync):
    """The issue asked whether the member leaves: once they have, it is resolved, and reading
    the archived partner again does not open it anew."""
    partner = add_partner(odoo, 1)
    sync.pull(actor=world.staff["admin"])
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, active=False)
    sync.pull(actor=world.staff["admin"])
    [issue] = open_issues(wb, "archived")
    with wb.sessions() as session:
        member = wb.registry.find_by_phone(session, partner_phone(1))
        wb.registry.terminate(
            session, member_no=member.member_no, reason="voluntary", actor=world.staff["admin"]
        )
        session.commit()
    assert open_issues(wb, "archived") == []
    with wb.sessions() as session:
        assert session.get(SyncIssue, issue.id).closing == "resolved"
    sync.pull(actor=world.staff["admin"])  # the archived partner read again
    assert open_issues(wb, "archived") == []


def test_a_run_left_running_by_a_killed_process_is_closed_by_the_next(wb, world, odoo, sync):
    with wb.sessions() as session:
        dead = SyncRun(direction="pull", started_at=wb.clock.now())
        session.add(dead)
        session.commit()
        dead_id = dead.id
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["dead_runs_closed"] == 1
    with wb.sessions() as session:
        run = session.get(SyncRun, dead_id)
        assert run.outcome == "failed" and run.finished_at is not None
        assert "stopped before the run ended" in json.loads(run.summary)["failures"][0]
        assert session.get(SyncRun, report.run_id).outcome == "ok"


def test_the_partner_counts_of_a_pull_add_up(wb, world, odoo, sync):
    ids = [add_partner(odoo, serial) for serial in range(1, 6)]
    add_partner(odoo, 6, mobile="12345")  # skipped
    add_partner(odoo, 7, active=False)  # archived
    odoo.add(  # another name on the world member's mobile: held
        "res.partner",
        name="王芳",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    first = sync.pull(actor=world.staff["admin"])
    # every row read is accounted for once (rows of the cursor's last second are read again)
    assert first.counts["partners_read"] == accounted(first) >= 8
    assert first.counts["partners_skipped"] >= 1 and first.counts["identity_changes_held"] == 1

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", ids[0], email="changed@example.com")
    odoo.update("res.partner", ids[1], street="上海市静安区南京西路5号")
    odoo.update("res.partner", ids[2], name="会员3")  # the same as it was: unchanged
    second = sync.pull(actor=world.staff["admin"])
    assert second.counts["partners_read"] == accounted(second) >= 3
    assert second.counts["members_updated"] == 2 and second.counts["partners_unchanged"] >= 1
