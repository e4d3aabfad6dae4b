"""`workbench gifts …` and `workbench points redeem | credit | rules | ledger` as staff run them."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_gifts import new_member


@pytest.fixture
def cli(run_cli, people):
    return run_cli


def test_catalogue_commands(cli):
    code, out, _ = cli("gifts", "import", user="supervisor1")
    assert code == 0 and "5 gifts added, 0 updated" in out
    code, out, _ = cli("gifts", "import", user="supervisor1")
    assert code == 0 and "0 gifts added, 0 updated" in out
    code, _, err = cli("gifts", "import", user="agent1")
    assert code == 2 and "may not manage the gift catalogue" in err
    code, out, _ = cli(
        "gifts", "add", "umbrella", "300", "--label-zh", "雨伞", "--label-en", "Umbrella",
        "--stock", "10", "--min-tier", "silver", "--daily-limit", "1",
        user="admin",
    )  # fmt: skip
    assert code == 0 and "added umbrella (gift, 300 points, 10 in stock)" in out
    code, out, _ = cli("gifts", "stock", "umbrella", "-4", user="supervisor1")
    assert code == 0 and "6 in stock" in out
    code, out, _ = cli("gifts", "stock", "umbrella", "+2", user="supervisor1")
    assert code == 0 and "8 in stock" in out
    code, _, err = cli("gifts", "stock", "umbrella", "lots", user="supervisor1")
    assert code == 2 and err.startswith("error: stock:")
    code, out, _ = cli("gifts", "list", user="sales1")
    assert code == 0 and "umbrella" in out and "雨伞" in out and "silver" in out
    code, out, _ = cli("gifts", "retire", "umbrella", user="supervisor1")
    assert code == 0 and "retired umbrella" in out
    code, out, _ = cli("gifts", "list", user="agent1")
    assert code == 0 and "umbrella" not in out and "tea-set" in out
    code, out, _ = cli("gifts", "list", "--retired", user="agent1")
    assert "umbrella" in out


def test_redeem_credit_and_ledger(cli, wb, people):
    member_no, _ = new_member(wb, people, 2000)
    code, out, _ = cli("points", "redeem", member_no, "voucher-50", "-q", "2")
    assert code == 0 and f"{member_no} 王**: 2 x voucher-50 for 1000 points; balance 1000" in out
    vouchers = re.findall(r"voucher code: (\S+)", out)
    assert len(set(vouchers)) == 2
    code, _, err = cli("points", "redeem", member_no, "gift-100", "-q", "2")
    assert code == 2 and err.strip() == "error: needs 2000 points; the balance is 1000"
    code, _, err = cli("points", "redeem", member_no, "tea-set")
    assert code == 2 and "tea-set is for Gold members and above" in err
    code, _, err = cli("points", "redeem", "M000000000", "gift-100")
    assert code == 2 and "no member or card 'M000000000' that you may act on" in err
    code, out, _ = cli("points", "rules")
    assert code == 0 and "survey" in out and "open-day" not in out
    code, out, _ = cli("points", "credit", member_no, "survey")
    assert code == 0 and "+20 points (survey); balance 1020" in out
    cli("points", "credit", member_no, "survey")
    code, _, err = cli("points", "credit", member_no, "survey")
    assert code == 2 and "at most 2 a day per member" in err
    code, out, _ = cli("points", "ledger", member_no, user="sales1")
    assert code == 0 and "4 of 4 lines" in out
    assert "-1000" in out and "1040" in out and "balance 1040; spendable now 1040" in out
    assert "points expire 2028-03-02" in out
    assert not any(v in out for v in vouchers)
    code, _, err = cli("points", "redeem", member_no, "gift-100", user="analyst1")
    assert code == 2 and "may not redeem points" in err and "Traceback" not in err
