"""Exports, aggregates with small groups hidden, third-party sharing, and change requests."""

import pytest
from sqlalchemy import select

from tests.factories import application, fake_id_number
from workbench.audit.models import AuditEntry
from workbench.errors import DuplicateMember, InvalidPhoneNumber, InvalidState, MemberNotActive
from workbench.members.models import MemberStatus
from workbench.permissions.access import AccessDenied
from workbench.permissions.models import ThirdPartyShare


def _members(wb, world, n, store_code="SH01"):
    apps = [application(store_code=store_code) for _ in range(n)]
    with wb.sessions() as session:
        for app in apps:
            member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
            wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        session.commit()
    return apps


def test_counts_hide_small_groups(wb, world):
    _members(wb, world, 5)  # SH01 now has 6 active regular members
    rows = {r.group: r.count for r in wb.sharing.member_counts(world.staff["analyst"])}
    assert rows == {("SH01", "regular"): 6}
    with wb.sessions() as session:
        member = wb.registry.get(session, world.member_no)
        member.tier_code = "gold"
        session.commit()
    rows = {r.group: r.count for r in wb.sharing.member_counts(world.staff["analyst"])}
    # SH01's total is shown (by store), so showing its 5 regulars would give the one gold away.
    assert rows == {("SH01", "gold"): None, ("SH01", "regular"): None}
    by_store = wb.sharing.member_counts(world.staff["analyst"], by_tier=False)
    assert [(r.group, r.count) for r in by_store] == [(("SH01",), 6)]
    by_tier = wb.sharing.member_counts(world.staff["analyst"], by_store=False)
    assert [(r.group, r.count) for r in by_tier] == [(("gold",), None), (("regular",), None)]
    # A store manager of another branch sees nothing of SH01.
    assert wb.sharing.member_counts(world.staff["manager_other"]) == []


def test_export_is_masked_headed_and_audited(wb, world):
    apps = _members(wb, world, 2)
    with pytest.raises(AccessDenied):
        wb.sharing.export_members(world.staff["agent"])
    export = wb.sharing.export_members(world.staff["supervisor"])
    assert export.rows == 3
    first_line = export.text.splitlines()[0]
    assert first_line.startswith("# member export by supervisor (supervisor) at ")
    for app in [world.app, *apps]:
        for secret in (app.phone, app.id_number, app.email):
            assert secret not in export.text
    with wb.sessions() as session:
        results = session.scalars(
            select(AuditEntry.result).where(AuditEntry.action == "export").order_by(AuditEntry.seq)
        ).all()
    assert results == ["denied", "allowed"]


def test_third_party_sharing_needs_consent(wb, world):
    args = dict(
        member_no=world.member_no,
        partner="Bank",
        agreement_ref="AG-7",
        fields=["name"],
        kind="partner_offers",
    )
    with pytest.raises(AccessDenied, match="role"):
        wb.sharing.share_with_third_party(world.staff["supervisor"], **args)
    with pytest.raises(AccessDenied, match="consented"):
        wb.sharing.share_with_third_party(world.staff["admin"], **args)
    with wb.sessions() as session:
        wb.registry.get(session, world.member_no).consent_third_party = True
        session.commit()
    assert wb.sharing.share_with_third_party(world.staff["admin"], **args) == {"name": "张伟"}
    with wb.sessions() as session:
        [share] = session.scalars(select(ThirdPartyShare)).all()
        assert (share.partner, share.agreement_ref, share.fields) == ("Bank", "AG-7", "name")


def test_change_request_needs_a_second_person(wb, world):
    sales = world.staff["sales_own"]
    new_phone = "13700001111"
    with pytest.raises(InvalidPhoneNumber):
        wb.changes.request(
            sales, member_no=world.member_no, field="phone", new_value="1370000", reason="moved"
        )
    with pytest.raises(AccessDenied):
        wb.changes.request(
            world.staff["sales_other"],
            member_no=world.member_no,
            field="phone",
            new_value=new_phone,
            reason="x",
        )
    change = wb.changes.request(
        sales, member_no=world.member_no, field="phone", new_value=new_phone, reason="new number"
    )
    assert change.old_value_masked == f"{world.app.phone[:3]}****{world.app.phone[-4:]}"
    assert change.new_value_masked == "137****1111"
    assert new_phone not in (change.new_value_enc or "")
    assert [c.id for c in wb.changes.pending(world.staff["manager_own"])] == [change.id]
    assert wb.changes.pending(world.staff["manager_other"]) == []
    with pytest.raises(AccessDenied, match="second person"):
        wb.changes.decide(sales, request_id=change.id, approve=True)
    with pytest.raises(AccessDenied, match="own store"):
        wb.changes.decide(world.staff["manager_other"], request_id=change.id, approve=True)
    with pytest.raises(AccessDenied):
        wb.changes.decide(world.staff["agent"], request_id=change.id, approve=True)
    wb.changes.decide(world.staff["manager_own"], request_id=change.id, approve=True)
    with pytest.raises(InvalidState):
        wb.changes.decide(world.staff["supervisor"], request_id=change.id, approve=False)
    with wb.sessions() as session:
        assert wb.registry.find_by_phone(session, new_phone).member_no == world.member_no
        assert wb.registry.find_by_phone(session, world.app.phone) is None


def test_corrected_id_number_brings_its_birthday(wb, world):
    corrected = fake_id_number(birthday="19850709", male=False)
    change = wb.changes.request(
        world.staff["sales_own"],
        member_no=world.member_no,
        field="id_number",
        new_value=corrected,
        reason="typo at sign-up",
    )
    wb.changes.decide(world.staff["manager_own"], request_id=change.id, approve=True)
    with wb.sessions() as session:
        member = wb.registry.get(session, world.member_no)
        assert wb.registry.decrypt(member, ("birthday",))["birthday"] == "1985-07-09"
        assert member.birth_month_day == "0709" and member.gender == "F"


def test_change_to_a_taken_phone_is_refused(wb, world):
    [other] = _members(wb, world, 1)
    with pytest.raises(DuplicateMember):
        wb.changes.request(
            world.staff["sales_own"],
            member_no=world.member_no,
            field="phone",
            new_value=other.phone,
            reason="typo",
        )


def test_rejected_change_leaves_the_member_alone(wb, world):
    change = wb.changes.request(
        world.staff["sales_own"],
        member_no=world.member_no,
        field="name",
        new_value="张三",
        reason="spelling",
    )
    decided = wb.changes.decide(
        world.staff["supervisor"], request_id=change.id, approve=False, note="ID card says 张伟"
    )
    assert decided.status == "rejected" and decided.new_value_enc is None
    view = wb.access.view(world.staff["sales_own"], world.member_no, "sales")
    assert view.shown("name") == "张*"
    shown = wb.access.reveal(
        world.staff["sales_own"], world.member_no, "name", "identity check", "check name"
    )
    assert shown.value == "张伟"


def _erased_like_the_seed(wb, member_no):
    """A member erased without the termination service (bulk seed, older data)."""
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        member.status = MemberStatus.TERMINATED
        wb.registry.erase_personal_data(member)
        session.commit()


def test_no_change_request_brings_erased_data_back(wb, world):
    change = wb.changes.request(
        world.staff["sales_own"],
        member_no=world.member_no,
        field="name",
        new_value="张三",
        reason="spelling",
    )
    _erased_like_the_seed(wb, world.member_no)
    with pytest.raises(MemberNotActive, match="erased"):
        wb.changes.decide(world.staff["supervisor"], request_id=change.id, approve=True)
    with pytest.raises(MemberNotActive, match="erased"):
        wb.changes.request(
            world.staff["manager_own"],
            member_no=world.member_no,
            field="phone",
            new_value="13700002222",
            reason="new number",
        )
    with wb.sessions() as session:
        member = wb.registry.get(session, world.member_no)
        assert member.name_enc is None and member.phone_enc is None
        assert member.phone_bidx is None
        denied = session.scalars(
            select(AuditEntry.action).where(AuditEntry.result == "denied").order_by(AuditEntry.seq)
        ).all()
    assert denied == ["change_decision", "change_request"]
    # Rejecting it is still possible: it only closes the request.
    assert (
        wb.changes.decide(world.staff["supervisor"], request_id=change.id, approve=False).status
        == "rejected"
    )


def test_terminated_member_change_cannot_be_approved(wb, world):
    change = wb.changes.request(
        world.staff["sales_own"],
        member_no=world.member_no,
        field="email",
        new_value="new@example.com",
        reason="moved",
    )
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason="voluntary", actor=world.staff["agent"]
        )
        session.commit()
    with pytest.raises(InvalidState):
        wb.changes.decide(world.staff["supervisor"], request_id=change.id, approve=True)
    with wb.sessions() as session:
        assert wb.registry.get(session, world.member_no).email_enc is None


def test_pending_changes_are_listed_within_the_branch(wb, world):
    staff = world.staff
    with wb.sessions() as session:
        bj = wb.registry.apply(
            session, application=application(store_code="BJ01"), actor=staff["agent_branch"]
        )
        wb.registry.approve(session, member_no=bj.member_no, actor=staff["agent"])
        session.commit()
    sh_change = wb.changes.request(
        staff["sales_own"],
        member_no=world.member_no,
        field="name",
        new_value="张三",
        reason="spelling",
    )
    bj_change = wb.changes.request(
        staff["manager_other"],
        member_no=bj.member_no,
        field="address",
        new_value="北京市朝阳区",
        reason="moved",
    )

    def listed(who):
        return [c.id for c in wb.changes.pending(staff[who])]

    assert listed("manager_own") == [sh_change.id]
    assert listed("manager_other") == [bj_change.id]
    assert listed("agent_branch") == [bj_change.id]  # a branch agent: own store only
    assert listed("sales_own") == [sh_change.id]
    assert listed("sales_other") == []  # not their customer
    assert listed("supervisor") == listed("agent") == [sh_change.id, bj_change.id]  # head office
    with pytest.raises(AccessDenied, match="aggregates"):
        wb.changes.pending(staff["analyst"])
    # Deciding follows the same line.
    with pytest.raises(AccessDenied, match="own store"):
        wb.changes.decide(staff["manager_other"], request_id=sh_change.id, approve=True)


def test_cli_change_list_hides_other_branches(wb, world, run_cli):
    with wb.sessions() as session:
        bj = wb.registry.apply(
            session, application=application(store_code="BJ01"), actor=world.staff["agent_branch"]
        )
        wb.registry.approve(session, member_no=bj.member_no, actor=world.staff["agent"])
        session.commit()
    wb.changes.request(
        world.staff["sales_own"],
        member_no=world.member_no,
        field="name",
        new_value="张三",
        reason="sh-spelling",
    )
    wb.changes.request(
        world.staff["manager_other"],
        member_no=bj.member_no,
        field="name",
        new_value="李四",
        reason="bj-spelling",
    )
    code, out, _ = run_cli("members", "changes", user="agent_bj")
    assert code == 0 and "bj-spelling" in out and "sh-spelling" not in out
    code, out, _ = run_cli("members", "changes", user="manager_own")
    assert code == 0 and "sh-spelling" in out and "bj-spelling" not in out
    code, _, err = run_cli("members", "changes", user="analyst")
    assert code == 2 and "aggregates" in err and "Traceback" not in err
