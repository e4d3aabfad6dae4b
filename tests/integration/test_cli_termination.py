"""`workbench termination` as staff would run it: request, notice, withdraw, list, run-due,
now; refusals are one line on stderr with exit code 2."""

from datetime import timedelta

from workbench.members.models import MemberStatus


def _status(wb, member_no):
    with wb.sessions() as session:
        return wb.registry.get(session, member_no).status


def test_request_notice_list_withdraw(wb, world, run_cli):
    member = world.member_no
    code, out, _ = run_cli(
        "termination",
        "request",
        member,
        "--reason",
        "voluntary",
        "--note",
        "不再需要",
        user="agent",
    )
    assert code == 0 and f"request recorded: {member} 张*" in out
    code, out, _ = run_cli(
        "termination", "notice", member, "--reason", "voluntary", user="supervisor"
    )
    assert code == 0 and "takes effect 2026-04-01" in out and "2 message(s)" in out
    code, out, _ = run_cli("termination", "list", user="supervisor")
    assert code == 0 and member in out and "张*" in out and "agent (agent)" in out
    assert "supervisor" in out and "2026-04-01" in out
    code, out, _ = run_cli("termination", "withdraw", member, user="agent")
    assert code == 0 and "request withdrawn" in out
    code, out, _ = run_cli("termination", "list", user="supervisor")
    assert member not in out


def test_run_due_terminates_what_is_due(wb, world, run_cli, clock):
    member = world.member_no
    assert (
        run_cli("termination", "notice", member, "--reason", "violation", user="supervisor")[0] == 0
    )
    code, out, _ = run_cli("termination", "run-due", user="supervisor")
    assert code == 0 and "0 terminated" in out
    clock.advance(timedelta(days=30))
    code, out, _ = run_cli("termination", "run-due", user="admin")
    assert code == 0 and f"terminated {member}" in out and "1 terminated" in out
    assert _status(wb, member) == MemberStatus.TERMINATED


def test_now_needs_a_voluntary_request_and_a_supervisor(wb, world, run_cli):
    member = world.member_no
    code, _, err = run_cli("termination", "now", member, "--yes", user="supervisor")
    assert code == 2 and "no voluntary request" in err
    assert run_cli("termination", "request", member, user="agent")[0] == 0
    code, _, err = run_cli("termination", "now", member, "--yes", user="agent")
    assert code == 2 and "may not terminate" in err
    code, _, err = run_cli("termination", "notice", member, "--reason", "violation", user="agent")
    assert code == 2 and "may not give notice" in err and "Traceback" not in err
    code, out, _ = run_cli("termination", "now", member, "--yes", user="supervisor")
    assert code == 0 and "membership terminated" in out
    assert _status(wb, member) == MemberStatus.TERMINATED


def test_bad_reason_and_unknown_member_are_clear(wb, world, run_cli):
    code, _, err = run_cli(
        "termination", "notice", world.member_no, "--reason", "boredom", user="supervisor"
    )
    assert code == 2 and "reason: one of voluntary" in err
    code, _, err = run_cli("termination", "request", "M999999999", user="agent")
    assert code == 2 and "no member or card" in err
