"""The un-audited phone look-ups agree: the read-only one (Core row) and the ORM one."""

import pytest

from tests.factories import application
from workbench.errors import InvalidPhoneNumber
from workbench.members.models import MemberStatus
from workbench.members.registry import PERSONAL_FIELDS


def test_read_by_phone_is_find_by_phone_decrypted(wb, people):
    app = application(name="李雷")
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        session.commit()
        for typed in (
            app.phone,
            f"+86{app.phone}",
            f"{app.phone[:3]} {app.phone[3:7]} {app.phone[7:]}",
        ):
            match = wb.registry.read_by_phone(session, typed)
            found = wb.registry.find_by_phone(session, typed)
            assert match is not None and found is not None
            assert match.member_id == found.id == member.id
            assert match.member_no == found.member_no
            assert match.status == found.status == MemberStatus.PENDING_REVIEW
            assert match.store_id == found.store_id
            assert match.tier_code == found.tier_code
            assert match.fields == wb.registry.decrypt(found)
            assert match.fields["name"] == "李雷"
            assert list(match.fields) == list(PERSONAL_FIELDS)
        only = wb.registry.read_by_phone(session, app.phone, ("name", "phone"))
        assert only is not None and only.fields == {"name": "李雷", "phone": f"+86{app.phone}"}


def test_read_by_phone_of_an_unknown_or_invalid_number(wb, people):
    with wb.sessions() as session:
        assert wb.registry.read_by_phone(session, "13900000000") is None
        assert wb.registry.find_by_phone(session, "13900000000") is None
        with pytest.raises(InvalidPhoneNumber):
            wb.registry.read_by_phone(session, "12345")


def test_read_by_phone_sees_the_sessions_own_changes(wb, people):
    app = application()
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        session.commit()
        member.tier_code = "gold"  # not flushed: the look-up flushes first, as a query does
        match = wb.registry.read_by_phone(session, app.phone)
        assert match is not None and match.tier_code == "gold"
        session.rollback()
