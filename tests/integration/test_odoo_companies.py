"""Companies (issue 19, item 3): which companies are synced is a setting; without it the sync
user's current company (and contacts shared by all) only, as Odoo's record rules give; `odoo
check` lists the companies the user can see and which are synced; pulls pass the companies in
the context."""

from sqlalchemy import func, select

from tests.fixtures_odoo import add_order, add_partner, reconfigure
from workbench.members.models import Member, Purchase


def count(wb, table) -> int:
    with wb.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)))


def test_a_second_company_is_synced_when_the_setting_names_it(wb, world, odoo, sync):
    second = odoo.add_company("第二公司")
    for serial in (1, 2):
        add_order(odoo, add_partner(odoo, serial, company_id=1), 100.0)
    for serial in (3, 4):
        order = add_order(odoo, add_partner(odoo, serial, company_id=second), 50.0)
        odoo.update("sale.order", order, company_id=second)
    add_partner(odoo, 5)  # shared by every company

    checked = sync.check()
    assert checked.companies == [(1, "My Company", True), (second, "第二公司", False)]
    assert any("第二公司" in note and "allowed_company_ids" in note for note in checked.notes)
    assert checked.counts["members"] == 3  # what the sync would take, not all 5

    sync.pull(actor=world.staff["admin"])
    assert count(wb, Member) == 1 + 3  # the world's member, company 1's and the shared one
    assert count(wb, Purchase) == 2

    both = reconfigure(wb, odoo, odoo_allowed_company_ids=[1, second])
    checked = both.check()
    assert [synced for _, _, synced in checked.companies] == [True, True]
    assert not [n for n in checked.notes if "not synced" in n]
    odoo.clock.jump(seconds=400)  # past the overlap: only a new cursor reads them
    report = both.pull(actor=world.staff["admin"])
    assert report.outcome == "ok"
    assert count(wb, Member) == 1 + 5
    assert count(wb, Purchase) == 4


def test_a_company_the_user_may_not_work_in_is_a_clear_problem(wb, world, odoo):
    other = odoo.add_company("别人的公司", allowed=False)
    sync = reconfigure(wb, odoo, odoo_allowed_company_ids=[other])
    checked = sync.check()
    assert any(str(other) in p and "may not work in" in p for p in checked.problems)


def test_the_cli_check_lists_the_companies_and_which_are_synced(run_cli, world, odoo, odoo_cli_env):
    second = odoo.add_company("第二公司")
    code, out, err = run_cli("odoo", "check")
    assert code == 0, err
    assert "company 1 My Company: synced" in out
    assert f"company {second} 第二公司: not synced" in out
    assert "allowed_company_ids" in out  # the note says which setting syncs it
