"""Staff sign-in: passwords, lock-out, idle timeout, registered terminals."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import add_store
from workbench.audit.models import AuditEntry
from workbench.errors import ValidationError
from workbench.members.models import Role, Store, StoreKind
from workbench.permissions.access import AccessDenied
from workbench.permissions.auth import SessionExpired, SignInRefused, TerminalCredential

PASSWORD = "correct horse"


@pytest.fixture
def staff(wb):
    with wb.sessions() as session:
        add_store(session, "HQ", StoreKind.HEADQUARTERS)
        locked_store = add_store(session, "SH01")
        locked_store.requires_terminal = True
        admin = wb.staff.add(
            session,
            actor=None,
            username="admin",
            display_name="Admin",
            role=Role.ADMIN,
            password=PASSWORD,
            store_code="HQ",
        )
        agent = wb.staff.add(
            session,
            actor=admin,
            username="agent",
            display_name="Agent",
            role=Role.AGENT,
            password=PASSWORD,
            store_code="HQ",
        )
        clerk = wb.staff.add(
            session,
            actor=admin,
            username="clerk",
            display_name="Clerk",
            role=Role.SALES,
            password=PASSWORD,
            store_code="SH01",
        )
        session.commit()
        return {"admin": admin, "agent": agent, "clerk": clerk}


def _sign_in(wb, username, password=PASSWORD, terminal=None):
    with wb.sessions() as session:
        return wb.auth.sign_in(session, username=username, password=password, terminal=terminal)


def _results(wb, action="sign_in"):
    with wb.sessions() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [r.result for r in rows]


def test_password_is_hashed_with_argon2(wb, staff):
    assert staff["agent"].password_hash.startswith("$argon2")
    assert PASSWORD not in staff["agent"].password_hash
    signed = _sign_in(wb, "agent")
    assert signed.staff.id == staff["agent"].id and len(signed.token) > 30


def test_wrong_password_and_unknown_user_look_the_same(wb, staff):
    with pytest.raises(SignInRefused) as wrong:
        _sign_in(wb, "agent", "nope")
    with pytest.raises(SignInRefused) as unknown:
        _sign_in(wb, "nobody", "nope")
    assert str(wrong.value) == str(unknown.value) == "wrong username or password"
    assert _results(wb) == ["denied", "denied"]


def test_lock_out_after_repeated_failures(wb, staff, clock):
    for _ in range(4):
        with pytest.raises(SignInRefused):
            _sign_in(wb, "agent", "nope")
    # Locked: in the words of a wrong password, so the answer never tells an account exists.
    with pytest.raises(SignInRefused, match="^wrong username or password$"):
        _sign_in(wb, "agent", "nope")
    with pytest.raises(SignInRefused, match="^wrong username or password$"):
        _sign_in(wb, "agent")  # even the right password
    clock.advance(minutes=15)
    assert _sign_in(wb, "agent").staff.username == "agent"


def test_admin_can_unlock(wb, staff):
    for _ in range(5):
        with pytest.raises(SignInRefused):
            _sign_in(wb, "agent", "nope")
    with wb.sessions() as session:
        with pytest.raises(AccessDenied):
            wb.staff.unlock(session, actor=staff["agent"], username="agent")
        wb.staff.unlock(session, actor=staff["admin"], username="agent")
        session.commit()
    _sign_in(wb, "agent")


def test_session_ends_after_idle_timeout(wb, staff, clock):
    token = _sign_in(wb, "agent").token
    with wb.sessions() as session:
        clock.advance(minutes=14)
        assert wb.auth.resume(session, token).username == "agent"
        clock.advance(timedelta(minutes=15) - timedelta(microseconds=1))
        wb.auth.resume(session, token)  # activity restarts the idle clock
        clock.advance(minutes=15)
        with pytest.raises(SessionExpired, match="idle"):
            wb.auth.resume(session, token)
        with pytest.raises(SessionExpired):
            wb.auth.resume(session, token)


def test_sign_out(wb, staff):
    token = _sign_in(wb, "agent").token
    with wb.sessions() as session:
        wb.auth.sign_out(session, token)
        with pytest.raises(SessionExpired):
            wb.auth.resume(session, token)


def test_store_requiring_terminals(wb, staff, tmp_path):
    with pytest.raises(SignInRefused, match="registered terminals"):
        _sign_in(wb, "clerk")
    with wb.sessions() as session:
        sh01 = session.scalar(select(Store).where(Store.code == "SH01"))
        hq = session.scalar(select(Store).where(Store.code == "HQ"))
        counter = wb.auth.register_terminal(
            session, name="SH01 counter", store=sh01, actor=staff["admin"]
        )
        elsewhere = wb.auth.register_terminal(
            session, name="HQ desk", store=hq, actor=staff["admin"]
        )
        session.commit()
    path = tmp_path / "terminal.json"
    counter.save(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert _sign_in(wb, "clerk", terminal=TerminalCredential.load(path)).staff.username == "clerk"
    with pytest.raises(SignInRefused):  # another store's terminal
        _sign_in(wb, "clerk", terminal=elsewhere)
    with pytest.raises(SignInRefused):  # a forged secret
        _sign_in(wb, "clerk", terminal=TerminalCredential(counter.terminal_id, "guess"))
    with wb.sessions() as session:
        wb.auth.revoke_terminal(session, terminal_id=counter.terminal_id, actor=staff["admin"])
        session.commit()
    with pytest.raises(SignInRefused):
        _sign_in(wb, "clerk", terminal=counter)
    # Head-office staff are not bound to terminals here.
    _sign_in(wb, "agent")


def test_staff_directory_rules(wb, staff):
    with wb.sessions() as session:
        with pytest.raises(AccessDenied):
            wb.staff.add(
                session,
                actor=None,
                username="second",
                display_name="",
                role="admin",
                password=PASSWORD,
            )
        with pytest.raises(AccessDenied):
            wb.staff.add(
                session,
                actor=staff["agent"],
                username="x1",
                display_name="",
                role="agent",
                password=PASSWORD,
            )
        with pytest.raises(ValidationError, match="taken"):
            wb.staff.add(
                session,
                actor=staff["admin"],
                username="agent",
                display_name="",
                role="agent",
                password=PASSWORD,
            )
        with pytest.raises(ValidationError, match="store"):
            wb.staff.add(
                session,
                actor=staff["admin"],
                username="s2",
                display_name="",
                role="sales",
                password=PASSWORD,
            )
        with pytest.raises(ValidationError, match="role"):
            wb.staff.add(
                session,
                actor=staff["admin"],
                username="s3",
                display_name="",
                role="wizard",
                password=PASSWORD,
            )
        with pytest.raises(ValidationError, match="8 characters"):
            wb.staff.add(
                session,
                actor=staff["admin"],
                username="s4",
                display_name="",
                role="agent",
                password="short",
            )
        wb.staff.deactivate(session, actor=staff["admin"], username="agent")
        session.commit()
    with pytest.raises(SignInRefused):
        _sign_in(wb, "agent")
