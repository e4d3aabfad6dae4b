"""Contact data that is junk (issue 19, items 6 and 8): an optional e-mail that fails validation
is dropped and listed while the member is still synced, and a placeholder mobile such as
13800000000 is no number at all."""

from sqlalchemy import select

from tests.fixtures_odoo import add_partner, partner_phone, reconfigure
from workbench.crm.models import SyncIssue


def listed(wb, kind: str) -> list[SyncIssue]:
    with wb.sessions() as session:
        return list(
            session.scalars(
                select(SyncIssue)
                .where(SyncIssue.kind == kind, SyncIssue.closed_at.is_(None))
                .order_by(SyncIssue.odoo_id)
            )
        )


def member(wb, serial: int):
    with wb.sessions() as session:
        return wb.registry.find_by_phone(session, partner_phone(serial))


def test_a_junk_email_is_dropped_and_listed_and_the_member_taken(wb, world, odoo, sync):
    junk = [add_partner(odoo, n, email=e) for n, e in ((1, "无"), (2, "abc@163"), (3, "n/a"))]
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["members_created"] == 3 and report.issue_counts["skipped"] == 0
    for serial in (1, 2, 3):
        found = member(wb, serial)
        assert found is not None and wb.registry.decrypt(found)["email"] is None
    dropped = listed(wb, "dropped")
    assert [i.odoo_id for i in dropped] == junk
    assert {i.field_names for i in dropped} == {"email"}
    assert all("taken without it" in i.reason for i in dropped)


def test_an_existing_member_whose_email_became_junk_is_still_updated(wb, world, odoo, sync):
    partner = add_partner(odoo, 1)
    sync.pull(actor=world.staff["admin"])
    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, email="无", name="会员一号")
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["members_updated"] == 1
    fields = wb.registry.decrypt(member(wb, 1))
    assert fields["name"] == "会员一号" and fields["email"] is None
    [issue] = listed(wb, "dropped")
    assert issue.odoo_id == partner and issue.member_id == member(wb, 1).id

    odoo.clock.jump(seconds=10)
    odoo.update("res.partner", partner, email="m1@example.com")  # fixed: the listing goes
    again = sync.pull(actor=world.staff["admin"])
    assert again.counts["issues_resolved"] == 1 and listed(wb, "dropped") == []
    assert wb.registry.decrypt(member(wb, 1))["email"] == "m1@example.com"


def test_a_placeholder_mobile_is_no_number(wb, world, odoo, sync):
    only = add_partner(odoo, 1, mobile="138 0000 0000")
    other = add_partner(odoo, 2, mobile="+86 13800000000")
    with_phone = add_partner(odoo, 3, mobile="13800000000", phone=partner_phone(3))
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["members_created"] == 1  # the one with a real number besides
    assert member(wb, 3) is not None
    skipped = listed(wb, "skipped")
    assert [i.odoo_id for i in skipped] == [only, other]
    assert all("placeholder" in i.reason and i.field_names == "phone" for i in skipped)
    assert with_phone not in [i.odoo_id for i in skipped]


def test_the_placeholders_are_a_setting(wb, world, odoo):
    sync = reconfigure(wb, odoo, odoo_placeholder_phones=["13912345678"])
    add_partner(odoo, 1, mobile="13912345678")
    sync.pull(actor=world.staff["admin"])
    [issue] = listed(wb, "skipped")
    assert "placeholder" in issue.reason


def test_foreign_mobiles_are_taken_and_an_invalid_one_is_refused_in_its_own_words(
    wb, world, odoo, sync
):
    add_partner(odoo, 1, mobile="+852 9123 4567")  # a Hong Kong mobile
    bad = add_partner(odoo, 2, mobile="+852 1234 5678")  # not a Hong Kong number
    report = sync.pull(actor=world.staff["admin"])
    assert report.counts["members_created"] == 1
    with wb.sessions() as session:
        assert wb.registry.find_by_phone(session, "+85291234567") is not None
    [issue] = listed(wb, "skipped")
    assert issue.odoo_id == bad and issue.field_names == "phone"
    assert "HK (+852)" in issue.reason and "mainland" not in issue.reason
