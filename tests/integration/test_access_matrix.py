"""The access matrix: role × basis of access × personal field × action, in one table.

One world per backend: a member in each situation (someone's customer, nobody's, granted,
grant expired, another branch...), and every role asks for each of them: view (masked or
refused, field by field), reveal (clear or refused, field by field), change request (allowed or
refused, field by field), exact lookup by phone (found, not found, or refused) and export
(listed or refused). Expectations are written out below, not computed from the code under test.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import application, fake_id_number, fake_phone
from workbench.audit.models import AuditEntry
from workbench.masking.fields import MASKERS
from workbench.permissions.access import AccessDenied
from workbench.permissions.models import GrantSource

FIELDS = ("name", "phone", "id_number", "email", "address", "birthday")
ALL = frozenset(FIELDS)
GRANTED = frozenset({"name", "phone", "birthday"})  # what the callback grants below cover
NONE = frozenset()
ROLES = (
    "agent",
    "supervisor",
    "dept_head",
    "admin",
    "analyst",
    "sales_own",
    "sales_other",
    "manager_own",
    "manager_other",
    "agent_branch",
)
# The members, one per situation: (store, whose customer, grant to every role).
SITUATIONS = {
    "sh_plain": ("SH01", None, None),
    "sh_customer": ("SH01", "sales_own", None),
    "sh_granted": ("SH01", None, "live"),
    "sh_expired": ("SH01", None, "expired"),
    "bj_plain": ("BJ01", None, None),
    "bj_granted": ("BJ01", None, "live"),
}
# Roles that may reveal with a reason (settings default); nobody may reveal the ID number.
REVEALERS = {
    "agent",
    "supervisor",
    "sales_own",
    "sales_other",
    "manager_own",
    "manager_other",
    "agent_branch",
}
EXPORTERS = {"supervisor", "admin"}  # head office: their export lists every store's members

F, N, R = "found", "not found", "refused"
KINDS = {"own customer": "own_customer", "own store": "own_store", "live grant": "grant"}


@dataclass(frozen=True)
class Case:
    role: str
    member: str
    basis: str  # the situation in the role's terms: none, own customer, own store, ...
    view: frozenset[str]  # fields shown masked; the others refused (all refused when empty)
    lookup: str  # by exact phone number


# fmt: off
MATRIX = [
    # Head office serves every store, but only a member they are serving: a live grant, or an
    # exact search (agents and supervisors, whose search opens a short grant).
    *[Case(role, "sh_plain", "none", NONE, F if role in ("agent", "supervisor") else N)
      for role in ("agent", "supervisor", "dept_head", "admin")],
    *[Case(role, "sh_customer", "none", NONE, F if role in ("agent", "supervisor") else N)
      for role in ("agent", "supervisor", "dept_head", "admin")],
    *[Case(role, "sh_granted", "live grant", GRANTED, F)
      for role in ("agent", "supervisor", "dept_head", "admin")],
    *[Case(role, "sh_expired", "expired grant", NONE, F if role in ("agent", "supervisor") else N)
      for role in ("agent", "supervisor", "dept_head", "admin")],
    *[Case(role, "bj_plain", "none", NONE, F if role in ("agent", "supervisor") else N)
      for role in ("agent", "supervisor", "dept_head", "admin")],
    *[Case(role, "bj_granted", "live grant", GRANTED, F)
      for role in ("agent", "supervisor", "dept_head", "admin")],
    # Analysts: aggregates only, whatever the basis.
    Case("analyst", "sh_plain", "none", NONE, R),
    Case("analyst", "sh_customer", "none", NONE, R),
    Case("analyst", "sh_granted", "live grant", NONE, R),
    Case("analyst", "sh_expired", "expired grant", NONE, R),
    Case("analyst", "bj_granted", "live grant", NONE, R),
    # Sales: their own customers, a live grant in their branch; never another branch.
    Case("sales_own", "sh_customer", "own customer", ALL, F),
    Case("sales_own", "sh_plain", "own store", NONE, N),
    Case("sales_own", "sh_granted", "live grant", GRANTED, F),
    Case("sales_own", "sh_expired", "expired grant", NONE, N),
    Case("sales_own", "bj_plain", "other branch", NONE, N),
    Case("sales_own", "bj_granted", "other branch, live grant", NONE, N),
    Case("sales_other", "sh_customer", "own store, a colleague's customer", NONE, N),
    Case("sales_other", "sh_granted", "live grant", GRANTED, F),
    Case("sales_other", "sh_expired", "expired grant", NONE, N),
    Case("sales_other", "bj_granted", "other branch, live grant", NONE, N),
    # Store managers: their own store, whatever the grants; never another branch.
    Case("manager_own", "sh_plain", "own store", ALL, F),
    Case("manager_own", "sh_customer", "own store", ALL, F),
    Case("manager_own", "sh_granted", "own store", ALL, F),
    Case("manager_own", "sh_expired", "own store", ALL, F),
    Case("manager_own", "bj_plain", "other branch", NONE, N),
    Case("manager_own", "bj_granted", "other branch, live grant", NONE, N),
    Case("manager_other", "bj_plain", "own store", ALL, F),
    Case("manager_other", "bj_granted", "own store", ALL, F),
    Case("manager_other", "sh_plain", "other branch", NONE, N),
    Case("manager_other", "sh_customer", "other branch", NONE, N),
    Case("manager_other", "sh_granted", "other branch, live grant", NONE, N),
    # A branch agent: their own branch's members they serve; a grant never crosses branches.
    Case("agent_branch", "bj_plain", "own store", NONE, F),
    Case("agent_branch", "bj_granted", "live grant", GRANTED, F),
    Case("agent_branch", "sh_plain", "other branch", NONE, N),
    Case("agent_branch", "sh_granted", "other branch, live grant", NONE, N),
    Case("agent_branch", "sh_expired", "other branch, expired grant", NONE, N),
]
# fmt: on


def test_the_matrix_covers_every_role_and_basis():
    assert {c.role for c in MATRIX} == set(ROLES)
    assert {c.basis.split(",")[0] for c in MATRIX} >= {
        "none",
        "own customer",
        "own store",
        "live grant",
        "expired grant",
        "other branch",
    }
    assert len({(c.role, c.member) for c in MATRIX}) == len(MATRIX)


def _build(wb, world):
    staff = world.staff
    now = wb.clock.now()
    members = {}
    with wb.sessions() as session:
        for key, (store, sales, grant) in SITUATIONS.items():
            app = application(store_code=store, name="欧阳娜娜")
            actor = staff[sales] if sales else staff["agent"]
            member = wb.registry.apply(session, application=app, actor=actor)
            wb.registry.approve(session, member_no=member.member_no, actor=staff["agent"])
            members[key] = (member.member_no, app)
            if grant is None:
                continue
            starts = now if grant == "live" else now - timedelta(hours=2)
            for role in ROLES:
                wb.access.open_grant(
                    session,
                    staff_id=staff[role].id,
                    member_id=member.id,
                    source=GrantSource.CALLBACK,
                    source_ref=f"{key}-{role}",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    fields=GRANTED,
                )
        session.commit()
    return members


def _clear(app) -> dict[str, str]:
    return {
        "name": app.name,
        "phone": "+86" + app.phone,
        "id_number": app.id_number,
        "email": app.email,
        "address": app.address,
        "birthday": "1990-03-15",
    }


def _new_value(field: str) -> str:
    if field == "phone":
        return fake_phone()
    if field == "id_number":  # another birthday than the members': never a duplicate
        return fake_id_number(birthday="19850101")
    return {
        "name": "欧阳新",
        "email": "new@example.com",
        "address": "北京市朝阳区建国路1号",
        "birthday": "1991-01-01",
    }[field]


def _last_audit(wb, action):
    with wb.sessions() as session:
        return session.scalar(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
        )


def _check(wb, actor, case: Case, member_no: str, app) -> list[str]:
    """Every action of the case; returns what differed from the table (empty: as expected)."""
    wrong = []
    clear = _clear(app)
    # View: masked field by field, or refused altogether.
    try:
        view = wb.access.view(actor, member_no, "service")
        shown = {f: view.fields[f].value for f in FIELDS if view.fields[f].available}
    except AccessDenied:
        shown = {}
    if set(shown) != case.view:
        wrong.append(f"view shows {sorted(shown)}")
    elif shown and view.basis != KINDS[case.basis.split(",")[0]]:
        wrong.append(f"view basis {view.basis}")
    for field, value in shown.items():
        if value != MASKERS[field](clear[field]) or value == clear[field]:
            wrong.append(f"view of {field} is not masked")
    expected_result = "allowed" if case.view else "denied"
    if _last_audit(wb, "view").result != expected_result:
        wrong.append("view not audited as " + expected_result)
    # Reveal: clear, field by field, for a revealing role and a field in view (never ID number).
    for field in FIELDS:
        may = case.role in REVEALERS and field in case.view and field != "id_number"
        try:
            got = wb.access.reveal(
                actor, member_no, field, "identity check", "caller asked to confirm"
            ).value
        except AccessDenied:
            got = None
        if (got == clear[field]) != may:
            wrong.append(f"reveal {field}: {'clear' if got else 'refused'}")
    # Revealed fields now show in clear in the view; every other field stays masked.
    if case.view:
        view = wb.access.view(actor, member_no, "service")
        for field in case.view:
            revealed = case.role in REVEALERS and field != "id_number"
            if (view.shown(field) == clear[field]) != revealed:
                wrong.append(f"after reveals, {field} {'masked' if revealed else 'clear'}")
    # Change request: only for a field the requester may see.
    for field in FIELDS:
        try:
            wb.changes.request(
                actor,
                member_no=member_no,
                field=field,
                new_value=_new_value(field),
                reason="matrix",
            )
            allowed = True
        except AccessDenied:
            allowed = False
        if allowed != (field in case.view):
            wrong.append(f"change {field}: {'allowed' if allowed else 'refused'}")
    # Exact lookup by phone, last: a serving role's search opens a grant of its own.
    try:
        found = wb.access.lookup_by_phone(actor, app.phone, "service")
        lookup = F if found is not None else N
    except AccessDenied:
        lookup = R
    if lookup != case.lookup:
        wrong.append(f"lookup {lookup}")
    elif lookup == F and found.shown("phone") == clear["phone"] and case.role not in REVEALERS:
        wrong.append("lookup shows the phone in clear")
    return wrong


def test_access_matrix(wb, world):
    members = _build(wb, world)
    mismatches = {}
    for case in MATRIX:
        member_no, app = members[case.member]
        wrong = _check(wb, world.staff[case.role], case, member_no, app)
        if wrong:
            mismatches[(case.role, case.member, case.basis)] = wrong
    assert mismatches == {}


def test_export_matrix(wb, world):
    members = _build(wb, world)
    listed = {key: no for key, (no, _) in members.items()}
    for role in ROLES:
        actor = world.staff[role]
        if role not in EXPORTERS:
            with pytest.raises(AccessDenied):
                wb.sharing.export_members(actor)
            assert _last_audit(wb, "export").result == "denied", role
            continue
        export = wb.sharing.export_members(actor)
        assert all(no in export.text for no in listed.values()), role
        for _, app in members.values():
            assert app.phone not in export.text and app.id_number not in export.text
        assert _last_audit(wb, "export").result == "allowed"
