"""A reused phone number never takes over another member (issue 19, item 7): a pulled partner
whose mobile is member A's but whose name or ID-card number is not A's, or A's own partner given
another person, is held for customer service, never applied; they apply it (the partner read
again, if unchanged) or reject it."""

import pytest
from sqlalchemy import select

from tests.fixtures_odoo import add_partner, partner_id_number, partner_phone
from workbench.crm.models import IdentityReview, PartnerLink
from workbench.errors import NotFound, PermissionDenied, ValidationError


def member_by_phone(wb, phone):
    with wb.sessions() as session:
        return wb.registry.find_by_phone(session, phone)


def reviews(wb) -> list[IdentityReview]:
    with wb.sessions() as session:
        return list(session.scalars(select(IdentityReview).order_by(IdentityReview.id)))


def test_another_name_on_a_members_mobile_is_held_then_rejected(wb, world, odoo, sync):
    desk = wb.usecases.odoo
    before = wb.registry.decrypt(member_by_phone(wb, world.app.phone))
    partner = odoo.add(
        "res.partner",
        name="王芳",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
        email="wang.fang@example.com",
        street="北京市朝阳区建国路8号",
    )

    report = sync.pull(actor=world.staff["admin"])

    assert report.counts["identity_changes_held"] == 1
    after = wb.registry.decrypt(member_by_phone(wb, world.app.phone))
    assert {k: after[k] for k in ("name", "email", "address", "id_number")} == {
        k: before[k] for k in ("name", "email", "address", "id_number")
    }
    with wb.sessions() as session:
        assert session.scalar(select(PartnerLink)) is None
    [waiting] = desk.identity_reviews(world.staff["supervisor"])
    assert (waiting.partner_id, waiting.field_names, waiting.linked) == (partner, "name", False)
    assert waiting.member_no == world.member_no

    again = sync.pull(actor=world.staff["admin"])  # read again: held once, not twice
    assert len(reviews(wb)) == 1 and again.counts["identity_changes_held"] == 0

    with pytest.raises(PermissionDenied):
        desk.reject_identity(world.staff["sales_own"], waiting.id)
    rejected = desk.reject_identity(world.staff["agent"], waiting.id)
    assert rejected.status == "rejected" and desk.identity_reviews(world.staff["agent"]) == []
    with pytest.raises(NotFound):
        desk.apply_identity(world.staff["agent"], waiting.id)
    odoo.clock.jump(seconds=10)
    sync.pull(actor=world.staff["admin"])
    assert wb.registry.decrypt(member_by_phone(wb, world.app.phone))["name"] == before["name"]


def test_the_same_name_links_as_before(wb, world, odoo, sync):
    odoo.add(
        "res.partner",
        name=world.app.name,
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["members_linked"] == 1 and reviews(wb) == []


def test_a_members_own_partner_given_another_id_number_is_held_and_applied(wb, world, odoo, sync):
    partner = add_partner(odoo, 1, with_id=True)
    sync.pull(actor=world.staff["admin"])
    member = member_by_phone(wb, partner_phone(1))
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, email="renamed@example.com")  # a plain edit: taken
    assert sync.pull(actor=world.staff["admin"]).counts["members_updated"] == 1

    odoo.clock.jump(seconds=10)
    other_id = partner_id_number(2)
    odoo.update("res.partner", partner, x_id_number=other_id)
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["identity_changes_held"] == 1
    assert wb.registry.decrypt(member_by_phone(wb, partner_phone(1)))["id_number"] == (
        partner_id_number(1)
    )
    [waiting] = wb.usecases.odoo.identity_reviews(world.staff["agent"])
    assert waiting.linked and waiting.field_names == "id_number"

    wb.usecases.odoo.apply_identity(world.staff["agent"], waiting.id)
    now = wb.registry.decrypt(member_by_phone(wb, partner_phone(1)))
    assert now["id_number"] == other_id and member.id == member_by_phone(wb, partner_phone(1)).id
    assert [r.status for r in reviews(wb)] == ["applied"]


def test_a_partner_changed_after_it_was_held_is_not_applied(wb, world, odoo, sync):
    partner = odoo.add(
        "res.partner",
        name="王芳",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    sync.pull(actor=world.staff["admin"])
    [waiting] = wb.usecases.odoo.identity_reviews(world.staff["agent"])
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, email="later@example.com")
    with pytest.raises(ValidationError, match="changed in Odoo after it was held"):
        wb.usecases.odoo.apply_identity(world.staff["agent"], waiting.id)
    assert wb.registry.decrypt(member_by_phone(wb, world.app.phone))["name"] == world.app.name


def test_the_cli_lists_applies_and_rejects(run_cli, world, odoo, odoo_cli_env):
    odoo.add(
        "res.partner",
        name="王芳",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    code, out, err = run_cli("odoo", "pull", user="admin")
    assert code == 0, err
    assert "identity changes held: 1" in out
    code, out, err = run_cli("odoo", "review", user="agent")
    assert code == 0, err
    assert "1 identity change(s) waiting for review" in out and world.member_no in out
    assert "王芳" not in out
    code, out, err = run_cli("odoo", "review", "apply", "1", user="agent")
    assert code == 0, err
    assert "identity change 1 applied" in out
    code, out, _ = run_cli("odoo", "review", user="agent")
    assert "no identity change waiting" in out
    code, _, err = run_cli("odoo", "review", "reject", "1", user="agent")
    assert code != 0 and "no identity change 1" in err and "Traceback" not in err


def test_a_reviewer_sees_the_held_values_masked_beside_the_members(wb, world, odoo, sync):
    desk = wb.usecases.odoo
    ours = wb.registry.decrypt(member_by_phone(wb, world.app.phone))
    partner = odoo.add(
        "res.partner",
        name="王芳",
        mobile=world.app.phone,
        is_company=False,
        membership_state="paid",
    )
    sync.pull(actor=world.staff["admin"])
    [waiting] = desk.identity_reviews(world.staff["agent"])

    held = desk.held_identity(world.staff["agent"], waiting.id)
    name = next(change for change in held.changes if change.field == "name")
    assert (name.odoo, held.gone, held.changed_since) == ("王*", False, False)
    assert name.ours != ours["name"] and name.ours[0] == ours["name"][0]  # masked, not shown
    with pytest.raises(PermissionDenied):
        desk.held_identity(world.staff["sales_own"], waiting.id)

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, street="上海市徐汇区漕溪北路3号")
    assert desk.held_identity(world.staff["agent"], waiting.id).changed_since
    odoo.delete("res.partner", partner)
    assert desk.held_identity(world.staff["agent"], waiting.id).gone  # only rejecting is left
