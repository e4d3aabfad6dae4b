"""The journey of tests/integration/test_member_journey.py as staff type it, on both backends with
the fixed clock: applied at the store → returned by customer service → corrected and
resubmitted → approved → a purchase at the till (entered twice) → a partial return → a
redemption → the ledger → a request to leave → notice → the notice period passes → `run-due`
terminates. Bad input on the way is one line on stderr, exit code 2, and changes nothing; no
output ever holds the applicant's name, phone or ID number in clear."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import fake_id_number, fake_phone

NAME = "林晓东"


@pytest.fixture
def cli(run_cli, people):
    return run_cli


class Journey:
    """Runs commands and keeps every output, to check at the end that none shows the
    applicant's personal data."""

    def __init__(self, run_cli) -> None:
        self.run_cli = run_cli
        self.outputs: list[str] = []

    def ok(self, *args: str, user: str) -> str:
        code, out, err = self.run_cli(*args, user=user)
        self.outputs += [out, err]
        assert code == 0, f"{args}: {err}"
        return " ".join(out.split())  # a person reads a wrapped line as one

    def refused(self, *args: str, user: str) -> str:
        code, out, err = self.run_cli(*args, user=user)
        self.outputs += [out, err]
        assert code == 2, f"{args}: exit {code}: {out} {err}"
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
        return err


def test_application_to_termination_on_the_command_line(cli, wb, clock):
    phone = fake_phone()
    id_number = fake_id_number(birthday="19791103", male=True)
    journey = Journey(cli)

    out = journey.ok(
        "applications", "submit", "--name", NAME, "--phone", phone, "--id-number", id_number,
        "--address", "上海市静安区南京西路1号",
        user="sales1",
    )  # fmt: skip
    [member_no] = re.findall(r"application (M\d+) \(林\*+\) waits for review", out)

    out = journey.ok("applications", "reject", member_no, "--reason", "缺少邮箱", user="agent1")
    assert f"{member_no} returned to sales1" in out
    out = journey.ok("applications", "returned", user="sales1")
    assert member_no in out and "缺少邮箱" in out and "agent1" in out
    out = journey.ok(
        "applications", "resubmit", member_no, "--email", "lin@example.com", user="sales1"
    )
    assert f"application {member_no} resubmitted for review" in out
    assert "no returned applications" in journey.ok("applications", "returned", user="sales1")
    out = journey.ok("applications", "queue", user="agent1")
    assert f"{member_no} (again)" in out

    out = journey.ok("applications", "approve", member_no, user="agent1")
    [card_no] = re.findall(rf"{member_no} \(林\*+\) approved: card (\S+),", out)
    assert "2 welcome message(s) queued" in out  # SMS and e-mail
    assert "no applications waiting" in journey.ok("applications", "queue", user="agent1")
    out = journey.ok("cards", "activate", card_no, "--phone", phone, user="sales1")
    assert f"member {member_no}: card {card_no} activated, now active" in out

    # The till: the card presented, a receipt entered twice, a return of part of it.
    err = journey.refused("purchases", "record", "9999", "2000", "--receipt", "R-0001",
                          user="sales1")  # fmt: skip
    assert "no member or card '9999' that you may act on" in err
    out = journey.ok("purchases", "record", card_no, "2000", "--receipt", "R-0001", user="sales1")
    assert f"receipt R-0001 at SH01: {member_no} 林**" in out
    assert "+2000 points, balance 2000" in out  # regular: 1 point a yuan
    out = journey.ok("purchases", "record", card_no, "2000", "--receipt", "R-0001", user="sales1")
    assert "(already recorded)" in out and "+2000 points, balance 2000" in out
    err = journey.refused("purchases", "record", card_no, "2500", "--receipt", "R-0001",
                          user="sales1")  # fmt: skip
    assert "receipt: R-0001 at SH01 is already recorded for 2000.00 yuan" in err
    out = journey.ok("purchases", "return", "R-0001", "500", "--ref", "RT-0001", user="sales1")
    assert "(500.00 of 2000.00 returned), -500 points, balance 1500" in out
    err = journey.refused("purchases", "return", "R-0001", "1501", "--ref", "RT-0002",
                          user="sales1")  # fmt: skip
    assert "at most 1500.00 can be returned" in err
    out = journey.ok("purchases", "list", card_no, user="sales1")
    assert out.count("R-0001") == 1 and "2000.00" in out and "RT-0001 500.00" in out
    assert "RT-0002" not in out and "balance 1500" in out

    # Points: a gift for 1,000 of the 1,500, then one the balance no longer covers.
    out = journey.ok("points", "redeem", card_no, "gift-100", user="sales1")
    assert f"{member_no} 林**: 1 x gift-100 for 1000 points; balance 500" in out
    err = journey.refused("points", "redeem", card_no, "gift-100", user="sales1")
    assert err.strip() == "error: needs 1000 points; the balance is 500"
    out = journey.ok("points", "ledger", member_no, user="sales1")
    assert "3 of 3 lines" in out and "balance 500; spendable now 500" in out
    for figure in ("+2000", "-500", "-1000"):
        assert figure in out

    # Leaving: the request at the store, notice by a supervisor, the run when it is due.
    out = journey.ok("termination", "request", card_no, "--note", "搬家", user="sales1")
    assert f"request recorded: {member_no} 林**" in out
    err = journey.refused("termination", "notice", member_no, "--reason", "voluntary",
                          user="agent1")  # fmt: skip
    assert "may not give notice" in err
    out = journey.ok("termination", "list", user="supervisor1")
    assert member_no in out and "notice by —" in out and "1 pending" in out
    out = journey.ok(
        "termination", "notice", member_no, "--reason", "voluntary", user="supervisor1"
    )
    assert f"notice given: {member_no} 林** (voluntary)" in out
    assert "2 message(s) to the member queued" in out  # SMS and e-mail, reason and date
    out = journey.ok("termination", "list", user="supervisor1")
    assert "notice by supervisor1" in out

    notice = timedelta(days=wb.settings.members_termination_notice_days)
    clock.advance(notice - timedelta(hours=1))
    assert "0 terminated" in journey.ok("termination", "run-due", user="supervisor1")
    assert f"{member_no} 林** · regular · active" in journey.ok(
        "cards", "list", member_no, user="supervisor1"
    )
    clock.advance(hours=1)
    out = journey.ok("termination", "run-due", user="supervisor1")
    assert f"terminated {member_no}" in out and "1 terminated, 0 skipped, 0 failed" in out

    out = journey.ok("cards", "list", member_no, user="supervisor1")
    assert f"{member_no} — · regular · terminated" in out  # the name is erased
    assert f"{card_no} terminated" in out and "you may: none" in out
    out = journey.ok("members", "show", member_no, user="sales1")  # sales1's own customer
    assert "status terminated" in out and "points 0" in out
    out = journey.ok("purchases", "list", member_no, user="supervisor1")
    assert "R-0001" in out and "RT-0001 500.00" in out  # the till's record is kept
    out = journey.ok("points", "ledger", member_no, user="supervisor1")
    assert "4 of 4 lines" in out and out.count("-500") == 2  # the return, the settlement
    assert "balance 0; spendable now 0" in out
    assert "0 pending" in journey.ok("termination", "list", user="supervisor1")

    for shown in journey.outputs:
        for secret in (NAME, phone, id_number):
            assert secret not in shown
