"""`workbench applications` as staff run it: submit at the store, queue, reject, returned,
resubmit, approve; refusals are one line and exit code 2."""

import pytest

from tests.factories import fake_id_number, fake_phone
from workbench.members.models import MemberStatus


@pytest.fixture
def cli(run_cli, people):
    return run_cli


def test_submit_review_return_resubmit_approve(cli, wb, clock):
    phone, id_number = fake_phone(), fake_id_number(birthday="19880612", male=False)
    code, out, err = cli(
        "applications",
        "submit",
        "--name",
        "[bold]陈静[/]",  # member text that looks like markup is printed as it is
        "--phone",
        phone,
        "--id-number",
        id_number,
        "--gender",
        "F",
        "--email",
        "chen@example.com",
        user="sales1",
    )
    assert code == 0, err
    member_no = out.split()[1]
    assert "[**" in out and phone not in out

    clock.advance(hours=49)
    code, out, _ = cli("applications", "queue", user="supervisor1")
    assert code == 0 and member_no in out and "OVERDUE" in out and "sales1" in out
    assert "SLA 48 h" in out

    code, _, err = cli("applications", "approve", member_no, user="sales1")
    assert code == 2 and "may not" in err

    code, out, _ = cli(
        "applications", "reject", member_no, "--reason", "邮箱有误", user="supervisor1"
    )
    assert code == 0 and "returned to sales1" in out

    code, out, _ = cli("applications", "returned", user="sales1")
    assert code == 0 and member_no in out and "邮箱有误" in out

    code, out, err = cli(
        "applications", "resubmit", member_no, "--email", "chen.jing@example.com", user="sales1"
    )
    assert code == 0, err
    code, out, _ = cli("applications", "returned", user="sales1")
    assert "no returned applications" in out

    code, out, err = cli("applications", "approve", member_no)
    assert code == 0, err
    assert "approved: card" in out and "welcome" in out
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        assert member.status == MemberStatus.ACTIVE
        assert wb.registry.decrypt(member)["email"] == "chen.jing@example.com"


def test_refusals_are_one_line(cli):
    code, _, err = cli(
        "applications",
        "submit",
        "--name",
        "王五",
        "--phone",
        "123",
        "--id-number",
        fake_id_number(),
        user="sales1",
    )
    assert code == 2 and err.startswith("error:") and "Traceback" not in err
    code, _, err = cli("applications", "queue", user="analyst1")
    assert code == 2 and "may not" in err
    code, _, err = cli("applications", "reject", "M000000001", "--reason", "x")
    assert code == 2 and "no member or card" in err
