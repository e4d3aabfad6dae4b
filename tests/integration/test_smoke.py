from tests.factories import add_staff, add_store, application
from workbench.members.models import Role


def test_apply_and_approve(wb, clock):
    with wb.sessions() as session:
        add_store(session)
        agent = add_staff(session, clock, "agent1", Role.AGENT)
        member = wb.registry.apply(session, application=application(), actor=agent)
        wb.registry.approve(session, member_no=member.member_no, actor=agent)
        session.commit()
    with wb.sessions() as session:
        found = wb.registry.find_by_phone(session, wb.registry.decrypt(member, ("phone",))["phone"])
        assert found.member_no == member.member_no
