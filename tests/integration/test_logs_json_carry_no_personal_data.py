"""The same full flow as test_logs_carry_no_personal_data, logged as JSON lines to a file by the
real handlers (SQL statements and their parameters included): every line parses, and none holds
a phone number, ID number, e-mail or name in clear."""

import json
import logging
from decimal import Decimal

import pytest

from tests.factories import application
from workbench.logs import clear_context, configure_logging, log_context
from workbench.permissions.access import AccessDenied


@pytest.fixture
def json_log(tmp_path):
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    file = tmp_path / "json.log"
    configure_logging("DEBUG", file=file, console=False, fmt="json")
    yield file
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = saved, level
    clear_context()


def test_full_flow_json_logs_are_clean(wb, world, json_log):
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # statements + parameters
    app = application(store_code="SH01", name="欧阳明月", email="ouyang.mingyue@example.com")
    agent = world.staff["agent"]
    try:
        with log_context(staff_id=agent.id, call_id="CAfeedc0ffee"):
            with wb.sessions() as session:
                member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
                wb.registry.approve(session, member_no=member.member_no, actor=agent)
                wb.ledger.record_purchase(session, member=member, amount=Decimal("99"), store_id=2)
                session.commit()
            view = wb.access.lookup_by_phone(agent, app.phone, "service")
            for field in ("name", "phone", "email", "address"):
                wb.access.reveal(agent, view.member_no, field, "identity check", "caller confirms")
            with pytest.raises(AccessDenied):
                wb.access.reveal(agent, view.member_no, "id_number", "identity check", "want it")
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
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = json_log.read_text(encoding="utf-8")
    entries = [json.loads(line) for line in text.splitlines()]
    assert any("SELECT" in e["event"] for e in entries)  # the SQL log really was written
    assert any(e["staff_id"] == str(agent.id) and e["call_id"] == "CAfeedc0ffee" for e in entries)
    # json.dumps(ensure_ascii=False) keeps Chinese names readable to the search below.
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
