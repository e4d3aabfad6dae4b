"""The evaluation of an activity (活动总结) on both backends with a fixed clock: participants vs
sign-ups vs invited, satisfaction by staff and by SMS reply to the survey queued at the close,
spend 30 days after vs before against invited members of the same tier and store who did not
come, cost per participant; small groups hidden; the annual plan; the CLI."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.activities_scene import build_scene, local, plan
from workbench.activities.service import UnknownActivity
from workbench.errors import InvalidState, PermissionDenied, ValidationError
from workbench.masking.groups import COMPLEMENT, SMALL
from workbench.members.models import Purchase, Store
from workbench.messaging.models import OutboxMessage

PARTICIPANTS = [f"extra{n}" for n in range(6)]  # regular, SH01
STAYED_AWAY = ["regular", "regular2", *(f"extra{n}" for n in range(6, 12))]  # regular, SH01


@pytest.fixture
def scene(wb, clock):
    return build_scene(wb, clock, extra_regulars=12)


def _buy(wb, member_id: int, amount: str, at) -> None:
    with wb.sessions() as session:
        store = session.scalar(select(Store).where(Store.code == "SH01"))
        session.add(
            Purchase(member_id=member_id, store_id=store.id, amount=Decimal(amount), occurred_at=at)
        )
        session.commit()


def _run(wb, clock, scene, *, taking_part: list[str], capacity: str = "8") -> str:
    """An activity for regular members: approved, invited, these signed up and checked in,
    closed; every regular bought 100 in the 30 days before."""
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = desk.create(s["marketing"], plan(tiers="regular", capacity=capacity)).line.code
    desk.submit(s["marketing"], code)
    desk.approve(s["supervisor"], code)
    desk.invite(s["marketing"], code)
    clock.set(local("2026-03-08 10:00"))
    for key in taking_part:
        desk.sign_up(s["agent"], code, m[key].member_no)
    clock.set(local("2026-03-20 14:00"))
    for key in taking_part:
        desk.check_in(s["sales_sh"], code, m[key].card_no)
    clock.set(local("2026-03-20 18:00"))
    desk.close(s["marketing"], code)
    return code


def test_the_evaluation_of_an_activity(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    before, after = local("2026-03-01 12:00"), local("2026-04-01 12:00")
    for key in PARTICIPANTS:
        _buy(wb, m[key].member_id, "100.00", before)
        _buy(wb, m[key].member_id, "300.00", after)
    for key in STAYED_AWAY:
        _buy(wb, m[key].member_id, "100.00", before)
        _buy(wb, m[key].member_id, "150.00", after)
    _buy(wb, m["extra0"].member_id, "999.00", local("2026-01-01 12:00"))  # outside both windows
    code = _run(wb, clock, scene, taking_part=PARTICIPANTS)

    # The close queued one satisfaction message to each participant.
    with wb.sessions() as session:
        surveys = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "activity_survey")
        ).all()
        assert sorted(x.member_id for x in surveys) == sorted(m[k].member_id for k in PARTICIPANTS)
    # Scores: by SMS reply (several forms) and at the desk; the latest counts.
    replies = wb.usecases.replies
    assert replies.sms_received("SM-s1", m["extra0"].phone, f"评分 {code} 5").action == (
        "activity_scored"
    )
    assert replies.sms_received("SM-s2", m["extra1"].phone, f"SCORE {code} 5").action == (
        "activity_scored"
    )
    assert replies.sms_received("SM-s3", m["extra2"].phone, f"{code} 4分").action == (
        "activity_scored"
    )
    # a member who did not come scores nothing
    assert replies.sms_received("SM-s4", m["regular"].phone, f"评分 {code} 1").action == (
        "activity_score_ignored"
    )
    desk.record_score(s["sales_sh"], code, m["extra3"].card_no, "5")
    desk.record_score(s["sales_sh"], code, m["extra4"].member_no, "2")
    desk.record_score(s["sales_sh"], code, m["extra4"].member_no, "5")  # told again: latest
    desk.record_score(s["agent"], code, m["extra5"].member_no, "5")
    with pytest.raises(InvalidState, match="only participants"):
        desk.record_score(s["agent"], code, m["regular2"].member_no, "3")
    with pytest.raises(ValidationError):
        desk.record_score(s["agent"], code, m["extra5"].member_no, "6")

    clock.set(local("2026-04-25 09:00"))  # the 30 days after have passed
    e = desk.evaluate(s["marketing"], code)
    assert (e.invited, e.signed_up, e.participants, e.no_shows) == (14, 6, 6, 0)
    assert (e.take_up, e.attendance) == (Decimal("0.429"), Decimal("1.000"))
    assert e.waitlisted == 0
    assert e.responses == 6 and e.satisfaction == Decimal("4.83")
    # one member gave 4: that count is small, and the 5s go with it (6 − 5s would show it)
    assert e.scores[4] is None and e.hidden["score_4"] == SMALL
    assert e.scores[5] is None and e.hidden["score_5"] == COMPLEMENT
    assert e.scores[1] == 0
    assert e.after_complete
    assert e.took_part.members == 6
    assert (e.took_part.mean_before, e.took_part.mean_after) == (
        Decimal("100.00"),
        Decimal("300.00"),
    )
    assert e.compared.members == 8 and e.compared.change == Decimal("50.00")
    assert e.lift == Decimal("150.00")
    assert e.cost_per_place == Decimal("1000.00")  # 8000 for 8 places
    assert e.cost_per_participant == Decimal("1333.33")
    assert e.points_credited == 6 * 200

    # A store manager evaluates their store's activity; sales may not evaluate at all.
    assert desk.evaluate(s["manager_sh"], code).participants == 6
    with pytest.raises(UnknownActivity):
        desk.evaluate(s["manager_bj"], code)
    with pytest.raises(PermissionDenied):
        desk.evaluate(s["sales_sh"], code)


def test_small_groups_are_hidden(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    for key in ("extra0", "extra1", "extra2"):
        _buy(wb, m[key].member_id, "100.00", local("2026-03-01 12:00"))
    code = _run(wb, clock, scene, taking_part=["extra0", "extra1", "extra2"])
    desk.record_score(s["sales_sh"], code, m["extra0"].member_no, "3")
    e = desk.evaluate(s["supervisor"], code)
    assert e.invited == 14 and e.minimum == 5
    assert e.participants is None and e.hidden["participants"] == SMALL
    assert e.signed_up is None and e.hidden["signed_up"] == SMALL
    assert e.responses is None and e.satisfaction is None and e.scores[3] is None
    assert e.took_part.members is None and e.took_part.mean_after is None
    assert e.compared.mean_after is None and e.lift is None  # weighted by the participants
    assert e.cost_per_participant is None and e.points_credited is None
    assert e.take_up is None and e.attendance is None
    assert e.cost_per_place == Decimal("1000.00")  # the budget and the places are no one's


def test_participants_and_no_shows_hide_each_other(wb, clock, scene):
    desk, s, m = wb.usecases.activities, scene.staff, scene.members
    code = desk.create(s["marketing"], plan(tiers="regular", capacity="8")).line.code
    desk.submit(s["marketing"], code)
    desk.approve(s["supervisor"], code)
    clock.set(local("2026-03-08 10:00"))
    for n in range(8):
        desk.sign_up(s["agent"], code, m[f"extra{n}"].member_no)
    clock.set(local("2026-03-20 14:00"))
    for n in range(6):
        desk.check_in(s["sales_sh"], code, m[f"extra{n}"].card_no)
    clock.set(local("2026-03-20 18:00"))
    desk.close(s["marketing"], code)
    e = desk.evaluate(s["marketing"], code)
    assert e.signed_up == 8
    assert e.no_shows is None and e.hidden["no_shows"] == SMALL
    # 8 signed up − 6 participants would show the 2 no-shows
    assert e.participants is None and e.hidden["participants"] == COMPLEMENT


def test_the_annual_plan_by_month_and_state(wb, clock, scene):
    desk, s = wb.usecases.activities, scene.staff
    done = _run(wb, clock, scene, taking_part=["extra0"])
    clock.set(local("2026-03-01 09:00"))
    may = desk.create(
        s["manager_sh"],
        plan(starts="2026-05-10 14:00", ends="2026-05-10 16:00", signup_closes="2026-05-09 20:00",
             cancel_until="2026-05-09 10:00", theme="母亲节花艺"),
    ).line.code  # fmt: skip
    desk.create(
        s["marketing"],
        plan(store="BJ01", stores="BJ01", starts="2026-05-20 14:00", ends="2026-05-20 16:00",
             signup_closes="2026-05-19 20:00", cancel_until="2026-05-19 10:00"),
    )  # fmt: skip
    desk.create(s["marketing"], plan(starts="2027-01-10 14:00", ends="2027-01-10 16:00"))
    # Head office's: one open to every store (SH01's members are invited), one to BJ01 only.
    company = desk.create(
        s["marketing"],
        plan(store="", stores="", starts="2026-06-06 14:00", ends="2026-06-06 16:00",
             signup_closes="2026-06-05 20:00", cancel_until="2026-06-05 10:00", budget="0"),
    ).line.code  # fmt: skip
    desk.create(
        s["marketing"],
        plan(store="", stores="BJ01", starts="2026-06-07 14:00", ends="2026-06-07 16:00",
             signup_closes="2026-06-06 20:00", cancel_until="2026-06-06 10:00", budget="0"),
    )  # fmt: skip
    desk.submit(s["manager_sh"], may)
    whole = desk.plan(s["marketing"], year=2026)
    assert [len(month.activities) for month in whole.months] == [0, 0, 1, 0, 2, 2] + [0] * 6
    assert whole.months[2].activities[0].code == done
    assert whole.states == {
        "draft": 3,
        "submitted": 1,
        "approved": 0,
        "running": 0,
        "done": 1,
        "cancelled": 0,
    }
    assert whole.budget == Decimal("24000.00")
    sh = desk.plan(s["marketing"], year=2026, store="SH01")
    # The store's calendar: what it holds and head office's activities open to its members.
    assert [a.code for month in sh.months for a in month.activities] == [done, may, company]
    # A store manager sees their store's activities only, and not another store's plan.
    mine = desk.plan(s["manager_sh"], year=2026)
    assert {a.store_code for month in mine.months for a in month.activities} == {"SH01", ""}
    assert company in [a.code for month in mine.months for a in month.activities]
    with pytest.raises(PermissionDenied):
        desk.plan(s["manager_sh"], year=2026, store="BJ01")
    assert sum(len(month.activities) for month in desk.plan(s["marketing"], year=2027).months) == 1


def test_report_and_evaluate_on_the_command_line(run_cli, wb, clock, scene):
    for key in PARTICIPANTS:
        _buy(wb, scene.members[key].member_id, "100.00", local("2026-03-01 12:00"))
    code = _run(wb, clock, scene, taking_part=PARTICIPANTS)
    _run(wb, clock, scene, taking_part=["extra6", "extra7"])
    clock.advance(timedelta(days=1))
    status, out, err = run_cli("report", "activities", "--year", "2026", user="marketing")
    assert status == 0, err
    lines = [line for line in out.splitlines() if code in line]
    assert lines and "invited 14" in lines[0] and "per participant 1333.33" in lines[0]
    assert "<5" in out and "hidden" not in err
    status, out, err = run_cli("activities", "evaluate", code, user="supervisor")
    assert status == 0, err
    assert "invited 14, signed up 6 (take-up 42.9%)" in out
    assert "participants 6, no-shows 0 (attendance 100.0%)" in out
    assert "(so far" in out  # the 30 days after have not passed
    assert "1333.33 per participant" in out
    status, out, err = run_cli("activities", "evaluate", code, user="sales_sh")
    assert status == 2 and "Traceback" not in err
    status, out, err = run_cli("activities", "plan", "--year", "2026", user="manager_sh")
    assert status == 0, err
    assert "2026-03" in out and f"{code}  done" in out


def test_the_actual_cost_per_participant_and_against_the_budget(run_cli, wb, clock, scene):
    desk, s = wb.usecases.activities, scene.staff
    early = desk.create(s["marketing"], plan()).line.code
    with pytest.raises(InvalidState, match="after it has taken place"):
        desk.record_cost(s["marketing"], early, "100")  # a draft: nothing spent yet
    code = _run(wb, clock, scene, taking_part=PARTICIPANTS)  # budget 8000, 6 participants
    assert desk.evaluate(s["marketing"], code).actual_cost is None
    with pytest.raises(ValidationError, match="actual_cost"):
        desk.record_cost(s["marketing"], code, "lots")
    with pytest.raises(PermissionDenied):
        desk.record_cost(s["agent"], code, "100")
    detail = desk.record_cost(s["marketing"], code, "9000")
    assert detail.actual_cost == Decimal("9000.00")
    e = desk.evaluate(s["marketing"], code)
    assert e.actual_per_participant == Decimal("1500.00") and e.over_budget == Decimal("1000.00")
    detail = desk.record_cost(s["marketing"], code, "7,200.50")  # corrected: both recorded
    assert [(c.field, c.old, c.new) for c in detail.changes if c.field == "actual_cost"] == [
        ("actual_cost", "", "9000.00"),
        ("actual_cost", "9000.00", "7200.50"),
    ]
    status, out, err = run_cli("activities", "evaluate", code, user="marketing")
    assert status == 0, err
    assert "actual cost 7200.50: 1200.08 per participant; 799.50 under the budget" in out
    status, out, err = run_cli("activities", "cost", code, "7300", user="marketing")
    assert status == 0 and "cost 7300.00 recorded (budget 8000.00)" in out, err
    status, out, err = run_cli("report", "activities", "--year", "2026", user="marketing")
    assert status == 0 and "cost 7300.00" in out, err
    # One participant: their cost per head would single them out, hidden with the count.
    small = _run(wb, clock, scene, taking_part=["extra6"])
    desk.record_cost(s["marketing"], small, "500")
    e = desk.evaluate(s["marketing"], small)
    assert e.actual_per_participant is None and e.hidden["actual_per_participant"] == SMALL
