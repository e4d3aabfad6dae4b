"""The full flow the log tests run (apply, approve, purchase, lookup, reveals, two refusals, a
change request, an export) and the personal values that must not appear in clear in its logs."""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal

import pytest

from tests.factories import application
from workbench.permissions.access import AccessDenied


def run_full_flow(
    wb, world, around_desk: Callable[[], AbstractContextManager[object]] = nullcontext
) -> list[str]:
    """Runs the flow with every desk step (registry, ledger, access) inside `around_desk()`;
    returns the clear values (phone, ID number, e-mail, name, address) it handled."""
    app = application(store_code="SH01", name="欧阳明月", email="ouyang.mingyue@example.com")
    agent = world.staff["agent"]
    with around_desk():
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
    return [
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
