"""`workbench terminals register/list/revoke/require/unrequire` as an administrator runs them, and
what they do to a branch's sign-in: refused from an unregistered workstation where the store
requires terminals, accepted from its registered one, refused again once that one is revoked."""

import json

import pytest
from sqlalchemy import select

from workbench.audit.models import AuditEntry
from workbench.members.models import Store
from workbench.permissions.models import Terminal


@pytest.fixture
def terminal_file(tmp_path, monkeypatch):
    """This workstation's credential file (none until `terminals register` writes it)."""
    path = tmp_path / "terminal.json"
    monkeypatch.setenv("WORKBENCH_PROTECTION_TERMINAL_FILE", str(path))
    return path


def _requires(wb, code):
    with wb.sessions() as session:
        return session.scalar(select(Store.requires_terminal).where(Store.code == code))


def _sign_in_as_branch_sales(run_cli):
    """Any command that signs in will do: the counts (own customers only)."""
    return run_cli("members", "counts", user="sales_own")


def test_terminal_lifecycle_and_the_store_rule(wb, world, run_cli, terminal_file, monkeypatch):
    # Nothing required yet: the branch signs in from anywhere.
    assert _sign_in_as_branch_sales(run_cli)[0] == 0

    code, out, _ = run_cli("terminals", "require", "SH01", user="admin")
    assert code == 0 and "SH01: staff sign in only from its registered terminals (0" in out
    assert _requires(wb, "SH01") is True and _requires(wb, "BJ01") is False
    code, _, err = _sign_in_as_branch_sales(run_cli)
    assert code == 2 and err.strip() == (
        "error: this store allows sign-in only from its registered terminals"
    )

    code, out, _ = run_cli(
        "terminals", "register", "SH01 counter 1", "--store", "SH01", user="admin"
    )
    assert code == 0 and f"credential in {terminal_file}" in out
    assert terminal_file.stat().st_mode & 0o777 == 0o600
    terminal_id = json.loads(terminal_file.read_text())["terminal_id"]
    assert "secret" in json.loads(terminal_file.read_text())
    # This workstation now holds SH01's credential: the branch may sign in here.
    assert _sign_in_as_branch_sales(run_cli)[0] == 0
    # Another workstation (no credential file) is still refused.
    monkeypatch.setenv("WORKBENCH_PROTECTION_TERMINAL_FILE", str(terminal_file.parent / "x.json"))
    assert _sign_in_as_branch_sales(run_cli)[0] == 2
    monkeypatch.setenv("WORKBENCH_PROTECTION_TERMINAL_FILE", str(terminal_file))

    code, out, _ = run_cli("terminals", "list", user="admin")
    assert code == 0 and "SH01 counter 1" in out and "SH01" in out
    assert "stores requiring a registered terminal: SH01" in out

    code, out, _ = run_cli("terminals", "revoke", str(terminal_id), user="admin")
    assert code == 0 and f"terminal {terminal_id} revoked" in out
    assert _sign_in_as_branch_sales(run_cli)[0] == 2  # the revoked credential no longer counts
    with wb.sessions() as session:
        assert session.get(Terminal, terminal_id).revoked_at == wb.clock.now()

    code, out, _ = run_cli("terminals", "unrequire", "SH01", user="admin")
    assert code == 0 and "SH01: staff may sign in from any workstation" in out
    assert _requires(wb, "SH01") is False
    assert _sign_in_as_branch_sales(run_cli)[0] == 0
    code, out, _ = run_cli("terminals", "list", user="admin")
    assert "stores requiring a registered terminal: none" in out

    with wb.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("terminal_%")).order_by(AuditEntry.seq)
        ).all()
    admin_id = world.staff["admin"].id
    assert [(e.action, e.actor_id) for e in entries] == [
        ("terminal_rule", admin_id),
        ("terminal_register", admin_id),
        ("terminal_revoke", admin_id),
        ("terminal_rule", admin_id),
    ]
    assert [json.loads(e.detail).get("requires_terminal") for e in entries] == [
        True,
        None,
        None,
        False,
    ]


def test_requiring_a_store_with_no_terminal_warns(run_cli, world, terminal_file):
    code, _, err = run_cli("terminals", "require", "BJ01", user="admin")
    assert code == 0 and "BJ01 has no registered terminal yet" in err


def test_only_administrators_manage_terminals(wb, world, run_cli, terminal_file):
    for args in (
        ("terminals", "require", "SH01"),
        ("terminals", "unrequire", "SH01"),
        ("terminals", "register", "my laptop", "--store", "SH01"),
        ("terminals", "list"),
        ("terminals", "revoke", "1"),
    ):
        code, _, err = run_cli(*args, user="manager_own")
        assert code == 2 and "only administrators" in err and "Traceback" not in err, args
    assert _requires(wb, "SH01") is False and not terminal_file.exists()


def test_unknown_store_is_a_clear_error(run_cli, world, terminal_file):
    code, _, err = run_cli("terminals", "require", "XX99", user="admin")
    assert code == 2 and err.strip() == "error: no store 'XX99'"


def test_the_domain_refuses_non_administrators_too(wb, world):
    from workbench.errors import PermissionDenied

    with wb.sessions() as session:
        with pytest.raises(PermissionDenied, match="only administrators"):
            wb.auth.require_terminals(
                session, store_code="SH01", required=True, actor=world.staff["manager_own"]
            )
        with pytest.raises(PermissionDenied, match="only administrators"):
            wb.auth.register_terminal(
                session, name="x", store=None, actor=world.staff["supervisor"]
            )
