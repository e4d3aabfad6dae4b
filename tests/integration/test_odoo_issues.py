"""Sync issues stay listed until resolved or dismissed (issue 19, item 5): met again by a later
run they are listed once; a partner fixed in Odoo and taken resolves its issue; an administrator
dismisses one; the list pages and says how many there are."""

import pytest
from sqlalchemy import select

from tests.fixtures_odoo import add_partner, partner_phone
from workbench.crm.models import SyncIssue
from workbench.errors import NotFound, PermissionDenied, ValidationError


def open_issues(wb) -> list[SyncIssue]:
    with wb.sessions() as session:
        return list(
            session.scalars(
                select(SyncIssue).where(SyncIssue.closed_at.is_(None)).order_by(SyncIssue.id)
            )
        )


def test_an_issue_stays_until_resolved_or_dismissed_and_is_listed_once(wb, world, odoo, sync):
    admin = world.staff["admin"]
    desk = wb.usecases.odoo
    bad = [add_partner(odoo, serial, mobile="12345") for serial in range(1, 5)]
    add_partner(odoo, 9)
    first = sync.pull(actor=admin)
    assert first.issue_counts["skipped"] == 4
    assert [i.odoo_id for i in open_issues(wb)] == bad

    odoo.clock.jump(seconds=10)
    for partner in bad:  # edited in Odoo, still wrong: met again, not listed twice
        odoo.update("res.partner", partner, street="上海市徐汇区漕溪北路3号")
    second = sync.pull(actor=admin)
    assert second.issue_counts["skipped"] == 4, (second.counts, second.failures)
    still = open_issues(wb)
    assert [i.odoo_id for i in still] == bad
    assert {(i.run_id, i.last_run_id, i.seen) for i in still} == {(first.run_id, second.run_id, 2)}

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", bad[0], mobile=partner_phone(1))  # fixed in Odoo
    third = sync.pull(actor=admin)
    assert third.counts["members_created"] == 1 and third.counts["issues_resolved"] == 1
    assert [i.odoo_id for i in open_issues(wb)] == bad[1:]

    listed = desk.issues(admin, page_size=2)
    assert (listed.total, listed.pages, len(listed.issues)) == (3, 2, 2)
    assert [i.odoo_id for i in desk.issues(admin, page=2, page_size=2).issues] == [bad[3]]

    dismissed = desk.dismiss_issue(admin, listed.issues[0].id)
    assert dismissed.closing == "dismissed"
    assert desk.issues(admin).total == 2
    everything = desk.issues(admin, everything=True)
    assert everything.total == 4
    assert [i.closing for i in everything.issues] == ["resolved", "dismissed", "", ""]
    with pytest.raises(ValidationError):
        desk.dismiss_issue(admin, listed.issues[0].id)
    with pytest.raises(NotFound):
        desk.dismiss_issue(admin, 999_999)
    with pytest.raises(PermissionDenied):
        desk.dismiss_issue(world.staff["agent"], listed.issues[1].id)
    with pytest.raises(PermissionDenied):
        desk.issues(world.staff["agent"])
    # a run's issues: those it met, whenever they were first met
    assert desk.issues(admin, run_id=second.run_id, everything=True).total == 4


def test_the_cli_pages_counts_and_dismisses(run_cli, world, odoo, odoo_cli_env):
    for serial in range(1, 4):
        add_partner(odoo, serial, mobile="12345")
    code, out, err = run_cli("odoo", "pull", user="admin")
    assert code == 0, err

    code, out, _ = run_cli("odoo", "issues", "--page-size", "2", user="admin")
    assert code == 0
    assert "3 open issues: 1–2 shown, page 1 of 2" in out
    assert "next: workbench odoo issues --page 2" in out

    code, out, _ = run_cli("odoo", "issues", "--page", "2", "--page-size", "2", user="admin")
    assert code == 0 and "3–3 shown, page 2 of 2" in out

    code, out, err = run_cli("odoo", "issues", "dismiss", "1", user="admin")
    assert code == 0, err
    assert "issue 1 (skipped res.partner 1) dismissed" in out
    code, out, _ = run_cli("odoo", "issues", user="admin")
    assert "2 open issues" in out
    code, out, _ = run_cli("odoo", "issues", "--all", user="admin")
    assert "3 issues" in out and "dismissed" in out

    code, _, err = run_cli("odoo", "issues", "dismiss", "2", user="agent")
    assert code != 0 and "only an admin" in err and "Traceback" not in err


def test_a_dismissed_issue_stays_dismissed_on_the_same_version_of_its_record(wb, world, odoo, sync):
    """Pulls read back the overlap: the same partner read again does not reopen the issue an
    administrator dismissed; the partner changed and still wrong is a new issue."""
    admin = world.staff["admin"]
    partner = add_partner(odoo, 1)
    sync.pull(actor=admin)
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, active=False)
    sync.pull(actor=admin)
    [archived] = open_issues(wb)
    assert archived.kind == "archived" and archived.record_version
    wb.usecases.odoo.dismiss_issue(admin, archived.id)  # the member stays

    again = sync.pull(actor=admin)  # within the overlap: the same version read again
    assert open_issues(wb) == [] and again.counts["issues_dismissed_before"] == 1

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, street="上海市徐汇区漕溪北路3号")  # still archived
    sync.pull(actor=admin)
    [reopened] = open_issues(wb)
    assert (reopened.kind, reopened.odoo_id) == ("archived", partner)
    assert reopened.id != archived.id


def test_one_partner_has_one_open_issue_of_a_kind(wb, world, odoo, sync):
    """A partner skipped for one reason, then another, is one issue with the latest reason."""
    admin = world.staff["admin"]
    partner = add_partner(odoo, 1, mobile="12345")
    sync.pull(actor=admin)
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, mobile=partner_phone(1), name="")
    sync.pull(actor=admin)
    [skipped] = open_issues(wb)
    assert (skipped.kind, skipped.odoo_id, skipped.seen) == ("skipped", partner, 2)
    assert "name" in skipped.field_names
