"""One refused record never aborts a push (issue 19, item 4): a tier value Odoo's selection field
lacks is refused for that partner only, the others and the complaints still go; the tier mapping
is a setting, and `odoo check` compares the workbench's tiers with the field's choices."""

from sqlalchemy import select

from tests.fixtures_odoo import add_partner, partner_phone, reconfigure
from tests.integration.test_odoo_push import complain
from tests.peers.odoo_peer import FieldDef
from workbench.crm.models import ComplaintTicket, SyncIssue
from workbench.members.models import Member

CHOICES = [["regular", "Regular"], ["silver", "Silver"], ["gold", "Gold"], ["diamond", "Diamond"]]


def selection_tier(odoo) -> None:
    """x_workbench_tier made a selection field in Odoo Studio, without platinum."""
    odoo.tables["res.partner"].fields["x_workbench_tier"] = FieldDef(
        "selection", "Member Tier", selection=CHOICES
    )


def set_tier(wb, serial: int, code: str) -> Member:
    with wb.sessions() as session:
        member = wb.registry.find_by_phone(session, partner_phone(serial))
        member.tier_code = code
        session.commit()
        session.refresh(member)
        return member


def test_a_value_the_selection_lacks_skips_that_partner_and_the_rest_go_on(wb, world, odoo, sync):
    selection_tier(odoo)
    partners = [add_partner(odoo, serial) for serial in range(1, 6)]
    sync.pull(actor=world.staff["admin"])
    platinum = set_tier(wb, 2, "platinum")
    complaint_no = complain(wb, world, platinum.member_no)

    report = sync.push(actor=world.staff["admin"])

    assert report.outcome == "ok" and report.failures == []
    assert report.counts["partners_written"] == 4
    assert report.counts["tickets_created"] == 1
    assert odoo.record("res.partner", partners[1])["x_workbench_tier"] is False
    assert {odoo.record("res.partner", p)["x_workbench_tier"] for p in partners[2:]} == {"regular"}
    with wb.sessions() as session:
        [issue] = session.scalars(select(SyncIssue).where(SyncIssue.kind == "skipped")).all()
        assert session.scalar(select(ComplaintTicket.ticket_id)) is not None
    assert issue.odoo_id == partners[1] and issue.member_id == platinum.id
    assert "x_workbench_tier" in issue.reason and "platinum" not in issue.reason
    assert complaint_no


def test_check_compares_the_tiers_with_the_fields_choices_and_the_mapping_fixes_it(
    wb, world, odoo, sync
):
    selection_tier(odoo)
    report = sync.check()
    assert report.tier_choices == ["regular", "silver", "gold", "diamond"]
    [problem] = [p for p in report.problems if "tier" in p]
    assert "platinum" in problem and "[odoo] tier_codes" in problem

    mapped = reconfigure(wb, odoo, odoo_tier_codes={"platinum": "diamond"})
    assert not [p for p in mapped.check().problems if "tier" in p]
    partner = add_partner(odoo, 1)
    mapped.pull(actor=world.staff["admin"])
    set_tier(wb, 1, "platinum")
    pushed = mapped.push(actor=world.staff["admin"])
    assert pushed.counts["partners_written"] == 1
    assert odoo.record("res.partner", partner)["x_workbench_tier"] == "diamond"

    # read back as Odoo holds it: not mistaken for an edit made in Odoo
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, street="上海市黄浦区南京东路2号")
    mapped.pull(actor=world.staff["admin"])
    with wb.sessions() as session:
        conflicts = session.scalars(select(SyncIssue).where(SyncIssue.kind == "conflict")).all()
    assert not [c for c in conflicts if "x_workbench_tier" in c.field_names]


def test_the_cli_check_lists_the_tier_problem(run_cli, world, odoo, odoo_cli_env):
    selection_tier(odoo)
    code, out, err = run_cli("odoo", "check")
    assert code != 0
    assert "tier choices in Odoo: regular, silver, gold, diamond" in out
    assert "problem: the workbench tier platinum" in out and "tier_codes" in out
    assert "Traceback" not in out + err
