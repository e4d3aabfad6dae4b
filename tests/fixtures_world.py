"""People, stores and a member that integration and TUI tests share."""

from dataclasses import dataclass

import pytest

from tests.factories import add_staff, add_store, application
from workbench.members.models import Role, Staff, Store, StoreKind


@dataclass
class People:
    store: Store
    other_store: Store
    agent: Staff
    supervisor: Staff
    admin: Staff
    sales: Staff
    analyst: Staff


@pytest.fixture
def people(wb, clock) -> People:
    with wb.sessions() as session:
        store = add_store(session, "SH01")
        other = add_store(session, "BJ01", city="北京")
        result = People(
            store=store,
            other_store=other,
            agent=add_staff(session, clock, "agent1", Role.AGENT),
            supervisor=add_staff(session, clock, "supervisor1", Role.SUPERVISOR),
            admin=add_staff(session, clock, "admin", Role.ADMIN),
            sales=add_staff(session, clock, "sales1", Role.SALES, store),
            analyst=add_staff(session, clock, "analyst1", Role.ANALYST),
        )
        session.commit()
    return result


@pytest.fixture
def active_member(wb, people):
    """Apply, approve and activate the card of one member; returns (member_no, application)."""
    from tests.factories import application

    app = application()
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=people.sales)
        wb.registry.approve(session, member_no=member.member_no, actor=people.agent)
        card = wb.registry.current_card(session, member.id)
        wb.registry.activate_card(
            session, card_no=card.card_no, phone=app.phone, actor=people.agent
        )
        session.commit()
    return member.member_no, app


@dataclass
class World:
    member_no: str
    member_id: int
    app: object
    staff: dict


@pytest.fixture
def world(wb, clock) -> World:
    with wb.sessions() as session:
        hq = add_store(session, "HQ", StoreKind.HEADQUARTERS)
        sh = add_store(session, "SH01")
        bj = add_store(session, "BJ01", StoreKind.FRANCHISE)
        staff = {
            "agent": add_staff(session, clock, "agent", Role.AGENT, hq),
            "supervisor": add_staff(session, clock, "supervisor", Role.SUPERVISOR, hq),
            "dept_head": add_staff(session, clock, "dept_head", Role.DEPARTMENT_HEAD, hq),
            "analyst": add_staff(session, clock, "analyst", Role.ANALYST, hq),
            "admin": add_staff(session, clock, "admin", Role.ADMIN, hq),
            "sales_own": add_staff(session, clock, "sales_own", Role.SALES, sh),
            "sales_other": add_staff(session, clock, "sales_other", Role.SALES, sh),
            "manager_own": add_staff(session, clock, "manager_own", Role.STORE_MANAGER, sh),
            "manager_other": add_staff(session, clock, "manager_bj", Role.STORE_MANAGER, bj),
            "agent_branch": add_staff(session, clock, "agent_bj", Role.AGENT, bj),
        }
        app = application(store_code="SH01", name="张伟")
        member = wb.registry.apply(session, application=app, actor=staff["sales_own"])
        wb.registry.approve(session, member_no=member.member_no, actor=staff["agent"])
        session.commit()
        return World(member.member_no, member.id, app, staff)


CLI_PASSWORD = "password1"


@pytest.fixture
def run_cli(wb, keyring, clock, monkeypatch, capsys):
    """Runs `workbench --user USER …` against the test database, as that person would; every
    staff member present when it first runs gets the password CLI_PASSWORD."""
    from sqlalchemy import select

    from tests.factories import password_hash
    from workbench.cli import main
    from workbench.cli.state import state

    monkeypatch.setattr(state, "clock", clock)
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", wb.settings.database_url)
    monkeypatch.setenv("WORKBENCH_KEYS_KEYRING", keyring.to_json())
    monkeypatch.setenv("WORKBENCH_PASSWORD", CLI_PASSWORD)
    monkeypatch.setenv("WORKBENCH_PROTECTION_TERMINAL_FILE", "/nonexistent/terminal.json")
    passwords_set = False

    def run(*args: str, user: str = "agent1") -> tuple[int, str, str]:
        nonlocal passwords_set
        if not passwords_set:
            with wb.sessions() as session:
                for staff in session.scalars(select(Staff)):
                    staff.password_hash = password_hash(CLI_PASSWORD)
                session.commit()
            passwords_set = True
        with pytest.raises(SystemExit) as exited:
            main(["--user", user, *args])
        out, err = capsys.readouterr()
        return exited.value.code or 0, out, err

    return run
