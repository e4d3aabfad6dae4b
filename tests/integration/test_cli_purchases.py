"""`workbench purchases` against a real database, as a store's staff run it."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli(run_cli, people):
    return run_cli


@pytest.fixture
def card_no(wb, active_member) -> str:
    member_no, _ = active_member
    with wb.sessions() as session:
        return wb.registry.current_card(session, wb.registry.get(session, member_no).id).card_no


def test_record_return_and_list(cli, active_member, card_no):
    member_no, app = active_member
    code, out, err = cli("purchases", "record", card_no, "250", "--receipt", "R-77", user="sales1")
    assert code == 0, err
    assert f"receipt R-77 at SH01: {member_no} 王**" in out
    assert "+250 points, balance 250" in out
    code, out, _ = cli("purchases", "record", member_no, "250", "--receipt", "R-77", user="sales1")
    assert code == 0 and "(already recorded)" in out and "balance 250" in out
    code, out, err = cli("purchases", "return", "R-77", "100", "--ref", "RT-1", user="sales1")
    assert code == 0, err
    assert "return RT-1 of receipt R-77 at SH01" in out
    assert "(100.00 of 250.00 returned), -100 points, balance 150" in out
    code, out, _ = cli("purchases", "list", member_no, user="sales1")
    assert code == 0
    for shown in ("R-77", "SH01", "250.00", "RT-1 100.00 (-100)", "balance 150", "王**"):
        assert shown in out
    for secret in (app.name, app.phone, app.id_number):
        assert secret not in out


def test_refusals_are_one_line_and_exit_2(cli, active_member, card_no):
    code, _, err = cli("purchases", "record", card_no, "10", "--receipt", "R-1", user="agent1")
    assert code == 2 and "may not record purchases" in err
    code, _, err = cli("purchases", "record", "0000", "10", "--receipt", "R-1", user="sales1")
    assert code == 2 and "no member or card '0000' that you may act on" in err
    code, _, err = cli("purchases", "record", card_no, "10", "--receipt", "R-1", user="supervisor1")
    assert code == 2 and "choose the store of the till" in err
    code, out, _ = cli(
        "purchases", "record", card_no, "10", "--receipt", "R-1", "--store", "BJ01",
        user="supervisor1",
    )  # fmt: skip
    assert code == 0 and "at BJ01" in out
    code, _, err = cli("purchases", "return", "R-1", "11", "--ref", "X", "--store", "BJ01",
                       user="supervisor1")  # fmt: skip
    assert code == 2 and "at most 10.00 can be returned" in err
    assert "Traceback" not in err


def test_a_return_after_spending_shows_the_shortfall(cli, wb, active_member, card_no):
    member_no, _ = active_member
    cli("purchases", "record", card_no, "1000", "--receipt", "R-9", user="sales1")
    with wb.sessions() as session:
        member = wb.registry.get(session, member_no)
        wb.ledger.redeem(session, member=member, reward_code="gift-100")
        session.commit()
    code, out, _ = cli("purchases", "return", "R-9", "1000", "--ref", "RT-9", user="sales1")
    assert code == 0
    assert "-0 points; 1000 points already spent (shortfall recorded), balance 0" in out
    code, out, _ = cli("purchases", "list", card_no, user="sales1")
    assert "short 1000" in out
