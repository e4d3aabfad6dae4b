"""The access layer: scope by role and branch, grants at their exact edges, masking by default,
reveal with reason, and an audit entry for every read and refusal."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import callback_grant as _grant
from workbench.audit.models import AuditEntry
from workbench.bootstrap import build
from workbench.errors import ValidationError
from workbench.permissions.access import AccessDenied

FIELDS = ("name", "phone", "id_number", "email", "address", "birthday")


def _audit(wb, action=None):
    with wb.sessions() as session:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        return session.scalars(query).all()


# The role x basis x field x action matrix is in test_access_matrix.py.


def test_id_number_reveal_only_for_configured_roles(wb, world, settings, clock, keyring):
    only_supervisors = {"protection_id_number_reveal_roles": ["supervisor"]}
    configured = build(settings.model_copy(update=only_supervisors), clock=clock, keyring=keyring)
    _grant(configured, world, "supervisor")
    _grant(configured, world, "agent")
    value = configured.access.reveal(
        world.staff["supervisor"], world.member_no, "id_number", "identity check"
    )
    assert value.value == world.app.id_number
    with pytest.raises(AccessDenied):
        configured.access.reveal(
            world.staff["agent"], world.member_no, "id_number", "identity check"
        )
    configured.dispose()


def test_reveal_needs_a_reason_and_expires(wb, world, clock):
    _grant(wb, world, "agent", minutes=60)
    agent = world.staff["agent"]
    with pytest.raises(ValidationError, match="purpose"):
        wb.access.reveal(agent, world.member_no, "phone", " ")
    with pytest.raises(ValidationError, match="field"):
        wb.access.reveal(agent, world.member_no, "salary", "callback", "just curious")
    shown = wb.access.reveal(agent, world.member_no, "phone", "callback", "confirm callback number")
    assert shown.revealed_until == clock.now() + timedelta(minutes=5)
    clock.advance(timedelta(minutes=5) - timedelta(microseconds=1))
    assert wb.access.view(agent, world.member_no, "service").shown("phone").startswith("+86")
    clock.advance(timedelta(microseconds=1))
    assert "****" in wb.access.view(agent, world.member_no, "service").shown("phone")
    entry = _audit(wb, "reveal")[-1]
    assert entry.result == "allowed" and "confirm callback number" in entry.detail


def test_reveal_never_outlives_the_grant(wb, world, clock):
    _grant(wb, world, "agent", minutes=2)
    shown = wb.access.reveal(world.staff["agent"], world.member_no, "name", "identity check")
    assert shown.revealed_until == clock.now() + timedelta(minutes=2)


def test_grant_window_exact_edges(wb, world, clock):
    agent = world.staff["agent"]
    grant = _grant(wb, world, "agent", minutes=30, starts_in=10)
    clock.set(grant.starts_at - timedelta(microseconds=1))
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "callback")
    clock.set(grant.starts_at)
    assert wb.access.view(agent, world.member_no, "callback").access_until == grant.ends_at
    clock.set(grant.ends_at - timedelta(microseconds=1))
    wb.access.view(agent, world.member_no, "callback")
    clock.set(grant.ends_at)
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "callback")
    results = [e.result for e in _audit(wb, "view")]
    assert results == ["denied", "allowed", "allowed", "denied"]


def test_grant_limits_fields(wb, world):
    _grant(wb, world, "agent", fields={"name", "phone"})
    view = wb.access.view(world.staff["agent"], world.member_no, "callback")
    assert view.fields["name"].available and view.fields["phone"].available
    assert not view.fields["email"].available and view.shown("email") is None
    with pytest.raises(AccessDenied):
        wb.access.reveal(
            world.staff["agent"], world.member_no, "email", "callback", "send the receipt"
        )


def test_revoked_grant_ends_at_once(wb, world, clock):
    grant = _grant(wb, world, "agent")
    wb.access.view(world.staff["agent"], world.member_no, "callback")
    with pytest.raises(AccessDenied):
        wb.access.revoke_grant(world.staff["agent"], grant.id)
    wb.access.revoke_grant(world.staff["supervisor"], grant.id)
    with pytest.raises(AccessDenied):
        wb.access.view(world.staff["agent"], world.member_no, "callback")


def test_manual_grant_by_admin_with_reason(wb, world, clock):
    now = clock.now()
    with pytest.raises(AccessDenied):
        wb.access.create_grant(
            world.staff["supervisor"],
            staff=world.staff["agent"],
            member_no=world.member_no,
            fields={"name"},
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            reason="audit",
        )
    with pytest.raises(ValidationError):
        wb.access.create_grant(
            world.staff["admin"],
            staff=world.staff["agent"],
            member_no=world.member_no,
            fields={"name"},
            starts_at=now,
            ends_at=now + timedelta(hours=1),
            reason="",
        )
    with pytest.raises(ValidationError):
        wb.access.create_grant(
            world.staff["admin"],
            staff=world.staff["agent"],
            member_no=world.member_no,
            fields={"name"},
            starts_at=now,
            ends_at=now,
            reason="complaint review",
        )
    wb.access.create_grant(
        world.staff["admin"],
        staff=world.staff["agent"],
        member_no=world.member_no,
        fields={"name"},
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        reason="complaint review",
    )
    view = wb.access.view(world.staff["agent"], world.member_no, "complaint")
    assert view.fields["name"].available and not view.fields["phone"].available


def test_exact_lookup_opens_a_short_serving_window(wb, world, clock):
    agent = world.staff["agent"]
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "service")  # no browsing by member number
    view = wb.access.lookup_by_phone(agent, world.app.phone, "service")
    assert view.member_no == world.member_no and view.basis == "grant"
    assert view.access_until == clock.now() + timedelta(minutes=30)
    clock.advance(minutes=30)
    with pytest.raises(AccessDenied):
        wb.access.view(agent, world.member_no, "service")
    with wb.sessions() as session:
        card = wb.registry.current_card(session, world.member_id)
    assert wb.access.lookup_by_card(agent, card.card_no, "service").member_no == world.member_no
    assert wb.access.lookup_by_phone(agent, "13900009999", "service") is None
    assert _audit(wb, "lookup")[-1].result == "not_found"


def test_lookup_does_not_leak_other_branches(wb, world):
    assert wb.access.lookup_by_phone(world.staff["manager_other"], world.app.phone, "store") is None
    assert (
        wb.access.lookup_by_phone(world.staff["agent_branch"], world.app.phone, "service") is None
    )
    assert wb.access.lookup_by_phone(world.staff["sales_other"], world.app.phone, "sales") is None
    assert [e.result for e in _audit(wb, "lookup")] == ["denied", "denied", "denied"]
    with pytest.raises(AccessDenied):
        wb.access.lookup_by_phone(world.staff["analyst"], world.app.phone, "service")
    view = wb.access.lookup_by_phone(world.staff["manager_own"], world.app.phone, "store")
    assert view.basis == "own_store"


def test_terminated_member_shows_nothing_personal(wb, world):
    with wb.sessions() as session:
        wb.registry.terminate(
            session, member_no=world.member_no, reason="voluntary", actor=world.staff["agent"]
        )
        session.commit()
    view = wb.access.view(world.staff["manager_own"], world.member_no, "store")
    assert all(view.shown(f) is None for f in FIELDS)


def test_an_audited_read_reads_in_one_statement(wb, world, clock):
    """The member's row, the grants, the reveals and the actor's store come in one statement
    (issue 21: each query cost more than an audited read's whole floor); the rest is the audit
    entry. Two grants and a reveal: the fields are the grants' union, the reveal is shown."""
    from sqlalchemy import event

    agent = world.staff["agent"]
    _grant(wb, world, "agent", fields={"name", "phone"}, minutes=30)
    _grant(wb, world, "agent", fields={"email"}, minutes=60)
    wb.access.reveal(agent, world.member_no, "phone", "callback", "confirm the number")
    statements: list[str] = []

    def seen(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement.lstrip().upper())

    event.listen(wb.engine, "before_cursor_execute", seen)
    try:
        by_number = wb.access.view(agent, world.member_no, "callback")
        by_id = wb.access.view_by_id(agent, world.member_id, "callback")
    finally:
        event.remove(wb.engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.startswith("SELECT") and "AUDIT_" not in s]
    assert len(reads) == 2, reads  # one for each read
    for view in (by_number, by_id):
        assert {n for n, f in view.fields.items() if f.available} == {"name", "phone", "email"}
        assert view.fields["phone"].revealed_until is not None
        assert view.shown("phone") == f"+86{world.app.phone}"  # stored in E.164
        assert view.shown("name") != world.app.name  # masked
        assert view.access_until == clock.now() + timedelta(minutes=60)
    assert [e.result for e in _audit(wb, "view")] == ["allowed", "allowed"]
