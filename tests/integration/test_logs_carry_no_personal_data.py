"""A full flow with every logger at DEBUG (SQL statements and their parameters included) leaves
no phone number, ID number, e-mail or name in clear in the logs."""

import logging
from decimal import Decimal

import pytest

from tests.factories import application
from workbench.permissions.access import AccessDenied


def test_full_flow_logs_are_clean(wb, world, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements + parameters
    try:
        app = application(store_code="SH01", name="欧阳明月", email="ouyang.mingyue@example.com")
        with wb.sessions() as session:
            member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
            wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
            wb.ledger.record_purchase(session, member=member, amount=Decimal("99"), store_id=2)
            session.commit()
        agent = world.staff["agent"]
        view = wb.access.lookup_by_phone(agent, app.phone, "service")
        for field in ("name", "phone", "email", "address"):
            wb.access.reveal(agent, view.member_no, field, "identity check", "caller confirms")
        with pytest.raises(AccessDenied):
            wb.access.reveal(agent, view.member_no, "id_number", "identity check", "want to see it")
        with pytest.raises(AccessDenied):
            wb.access.view(world.staff["manager_other"], view.member_no, "store")
        wb.changes.request(
            world.staff["sales_own"],
            member_no=member.member_no,
            field="phone",
            new_value="13811112222",
            reason="new phone",
        )
        wb.sharing.export_members(world.staff["supervisor"])
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    text = caplog.text
    assert "SELECT" in text  # the SQL log really was captured
    clear_values = [
        app.phone,
        "+86" + app.phone,
        app.id_number,
        app.email,
        app.name,
        app.address,
        "13811112222",
        world.app.phone,
        world.app.id_number,
        world.app.name,
    ]
    leaked = [value for value in clear_values if value in text]
    assert leaked == []
