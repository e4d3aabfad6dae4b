"""`workbench goods` and `workbench consent` against a real database, as staff run them."""

import pytest

from tests.fixtures_world import CLI_PASSWORD  # noqa: F401 (the passwords run_cli sets)


@pytest.fixture
def cli(run_cli, world):
    return run_cli


def test_goods_record_pickup_and_list(cli, world):
    code, out, err = cli(
        "goods",
        "record",
        world.member_no,
        "燕窝礼盒",
        "3",
        "--until",
        "2026-04-30",
        user="sales_own",
    )
    assert code == 0, err
    assert "goods #1 recorded: 燕窝礼盒 × 3 at SH01" in out
    code, out, _ = cli("goods", "pickup", "1", "2", user="manager_own")
    assert code == 0 and "2 handed over, 1 still held" in out
    code, _, err = cli("goods", "pickup", "1", "2", user="sales_own")
    assert (
        code == 2
        and err.strip() == "error: goods #1: only 1 held, 2 asked for; nothing handed over"
    )
    code, out, _ = cli("goods", "list", "--member", world.member_no, user="agent")
    assert code == 0 and world.member_no in out and "张*" in out and "held 1/3" in out
    assert "张伟" not in out and world.app.phone not in out
    code, out, _ = cli("goods", "list", user="sales_own")
    assert code == 0 and "燕窝礼盒" in out and "sales_own (sales_own)" in out
    code, out, _ = cli("goods", "list", "--overdue", user="sales_own")
    assert code == 0 and "no stored goods" in out


def test_goods_refusals_are_one_clear_line(cli, world):
    code, _, err = cli(
        "goods", "record", world.member_no, "茶叶", "1", "--until", "2026-04-30", user="agent"
    )
    assert code == 2 and "may not record stored goods" in err and "Traceback" not in err
    code, _, err = cli(
        "goods", "record", world.member_no, "茶叶", "x", "--until", "2026-04-30", user="sales_own"
    )
    assert code == 2 and err.startswith("error: quantity:")
    code, _, err = cli(
        "goods", "record", "M000000000", "茶叶", "1", "--until", "2026-04-30", user="sales_own"
    )
    assert code == 2 and "that you may act on" in err
    code, _, err = cli("goods", "list", "--store", "BJ01", user="sales_own")
    assert code == 2 and "your store SH01" in err


def test_consent_give_withdraw_show(cli, world):
    code, out, err = cli(
        "consent",
        "give",
        world.member_no,
        "partner_offers",
        "--how",
        "signed_form",
        user="sales_own",
    )
    assert code == 0, err
    assert "partner_offers (sharing)" in out and "given" in out
    code, out, _ = cli(
        "consent", "withdraw", world.member_no, "sms", "--how", "phone", user="agent"
    )
    assert code == 0 and "withdrawn" in out and "agent (agent)" in out
    code, out, _ = cli("consent", "show", world.member_no, user="agent")
    assert code == 0 and "history" in out and "carried_over" in out and "张*" in out
    code, _, err = cli("consent", "give", world.member_no, "fax", "--how", "phone", user="agent")
    assert code == 2 and err.startswith("error: kind: one of partner_offers")
    code, _, err = cli(
        "consent", "give", world.member_no, "sms", "--how", "telepathy", user="agent"
    )
    assert code == 2 and "how: one of signed_form" in err
