"""`workbench activities` against a real database, as marketing, managers and the counters run
it: the whole life on the command line, and every refusal one clear line (exit 2)."""

import pytest

from tests.activities_scene import build_scene, local


@pytest.fixture
def cli(run_cli, wb, clock):
    scene = build_scene(wb, clock)
    return run_cli, scene


PLAN = [
    "--kind", "new_product_launch",
    "--theme", "春季新品品鉴会",
    "--starts", "2026-03-20 14:00",
    "--ends", "2026-03-20 17:00",
    "--store", "SH01",
    "--capacity", "1",
    "--budget", "8000",
    "--priority-opens", "2026-03-05 10:00",
    "--signup-opens", "2026-03-08 10:00",
    "--signup-closes", "2026-03-19 20:00",
    "--cancel-until", "2026-03-18 20:00",
    "--points", "150",
]  # fmt: skip


def test_an_activity_from_plan_to_close_on_the_command_line(cli, clock):
    run, scene = cli
    m = scene.members
    code, out, err = run("activities", "create", *PLAN, user="marketing")
    assert code == 0, err
    assert "activity A1 planned (draft): 春季新品品鉴会" in out
    code, _, err = run("activities", "approve", "A1", user="supervisor")
    assert code == 2 and "to approve it, it must be submitted" in err and "Traceback" not in err
    assert run("activities", "submit", "A1", user="marketing")[0] == 0
    code, out, err = run("activities", "approve", "A1", user="supervisor")
    assert code == 0 and "approved" in out, err
    code, out, _ = run("activities", "edit", "A1", "--budget", "9000", user="marketing")
    assert code == 0
    code, out, _ = run("activities", "invite", "A1", user="marketing")
    assert code == 0 and "6 members invited now; 5 messages queued" in out
    assert "1: opted out of sms" in out
    code, out, _ = run("activities", "list", "--year", "2026", user="manager_sh")
    assert code == 0 and "A1  approved  2026-03-20 14:00" in out and "0/1 places" in out

    clock.set(local("2026-03-08 10:00"))
    code, out, err = run("activities", "signup", "A1", m["silver"].card_no, user="sales_sh")
    assert code == 0 and "has a place at A1" in out, err
    code, out, _ = run("activities", "signup", "A1", m["gold"].member_no, user="agent")
    assert code == 0 and "on the waitlist of A1, number 1" in out
    code, out, _ = run("activities", "waitlist", "A1", user="agent")
    assert code == 0 and m["gold"].member_no in out and "*" in out and "李华" not in out
    code, out, _ = run("activities", "cancel", "A1", m["silver"].member_no, user="agent")
    assert code == 0 and "sign-up cancelled" in out
    code, out, _ = run("activities", "show", "A1", "--participants", user="agent")
    assert code == 0 and f"1. {m['gold'].member_no}" in out and "confirmed" in out
    assert "budget 8000.00 → 9000.00 (after approval)" in out.replace(": ", " ")

    clock.set(local("2026-03-20 13:45"))
    code, out, _ = run("activities", "checkin", "A1", m["gold"].card_no, user="sales_sh")
    assert code == 0 and "checked in at A1: 150 points" in out
    code, out, _ = run("activities", "checkin", "A1", m["gold"].card_no, user="sales_sh")
    assert code == 0 and "already checked in at 2026-03-20 13:45: no more points" in out
    clock.set(local("2026-03-20 18:00"))
    code, out, _ = run("activities", "close", "A1", user="marketing")
    assert code == 0 and "A1 done: 1 checked in, 0 no-shows" in out
    code, out, _ = run("activities", "show", "A1", user="marketing")
    assert code == 0 and "A1  done" in out and "checked in 1, no-shows 0, points 150" in out


def test_refusals_are_one_clear_line(cli, clock):
    run, scene = cli
    m = scene.members
    code, _, err = run("activities", "create", *PLAN, "--tiers", "gold", user="agent")
    assert code == 2 and "may not plan activities" in err
    code, _, err = run("activities", "create", "--theme", "x", user="marketing")
    assert code == 2 and err.startswith("error: kind: required")
    assert run("activities", "create", *PLAN, "--tiers", "gold", user="marketing")[0] == 0
    run("activities", "submit", "A1", user="marketing")
    run("activities", "approve", "A1", user="head")
    clock.set(local("2026-03-08 10:00"))
    code, _, err = run("activities", "signup", "A1", m["regular"].member_no, user="agent")
    assert code == 2
    assert "the activity is for tiers gold; the member is regular" in err
    assert "Traceback" not in err
    code, _, err = run("activities", "show", "A9", user="agent")
    assert code == 2 and "no activity 'A9' that you may act on" in err
    code, _, err = run("activities", "cancel", "A1", user="marketing")
    assert code == 2 and "give --reason" in err
    code, out, err = run("activities", "cancel", "A1", "--reason", "场地维修", user="marketing")
    assert code == 0 and "activity A1 cancelled" in out, err
