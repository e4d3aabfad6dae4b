"""Member activities in the TUI with a Pilot: marketing's plan form keeps what was typed when
refused and says why beside the field; approving asks first, starting on Cancel; the check-in
desk checks a member in by card number (and says so when they scan again); a store manager
sees only their store's activities and participants; the satisfaction form (F3) records a
participant's score and, refused, keeps what was typed beside the field concerned."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import Button, DataTable, Input, OptionList, Static

from tests.activities_scene import build_scene, local, plan
from tests.factories import password_hash
from tests.tui.harness import PASSWORD, running
from workbench.activities.models import ActivitySignup
from workbench.members.models import Staff
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.activities import (
    ActivitiesScreen,
    ActivityScreen,
    EvaluationScreen,
    ReportScreen,
)
from workbench.tui.screens.activities_forms import (
    CostFormScreen,
    MemberDeskScreen,
    PlanFormScreen,
    ReasonFormScreen,
    ScoreFormScreen,
)
from workbench.tui.screens.member_desk import CounterMenuScreen


@pytest.fixture
def scene(wb, clock):
    built = build_scene(wb, clock)
    with wb.sessions() as session:
        for staff in session.scalars(select(Staff)):
            staff.password_hash = password_hash(PASSWORD)
        session.commit()
    return built


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def _rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


def _approved(wb, scene, **overrides: str) -> str:
    desk = wb.usecases.activities
    code = desk.create(scene.staff["marketing"], plan(**overrides)).line.code
    desk.submit(scene.staff["marketing"], code)
    desk.approve(scene.staff["supervisor"], code)
    return code


async def _open_at_the_counter(desk, user: str) -> ActivityScreen:
    """Signs `user` in and opens the first activity of the plan from the counter menu."""
    await desk.sign_in(user)
    await desk.press("f3")  # the counter menu
    menu = await desk.shown(CounterMenuScreen)
    menu.query_one(OptionList).highlighted = [e.label for e in menu._entries].index(
        "activities.menu"
    )
    await desk.press("enter")
    await desk.shown(ActivitiesScreen)
    await desk.done("load")
    await desk.press("enter")
    screen = await desk.shown(ActivityScreen)
    await desk.done("load")
    return screen


async def _open_from_the_plan(desk, user: str) -> ActivityScreen:
    """Signs `user` in and opens the first activity of the plan (F4 on the home screen)."""
    await desk.sign_in(user)
    await desk.press("f4")
    await desk.shown(ActivitiesScreen)
    await desk.done("load")
    await desk.press("enter")
    screen = await desk.shown(ActivityScreen)
    await desk.done("load")
    return screen


async def test_a_refused_plan_keeps_its_input_and_says_why_beside_the_field(wb, clock, scene):
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("marketing")  # analysts start on the statistics
        await desk.press("f4")
        await desk.shown(ActivitiesScreen)
        await desk.done("load")
        await desk.press("ctrl+n")
        form = await desk.shown(PlanFormScreen)
        assert desk.app.focused is form.query_one("#plan-theme", Input)
        await desk.fill("#plan-theme", "春季新品品鉴会")
        await desk.fill("#plan-starts", "2026-03-20 14:00")
        await desk.fill("#plan-ends", "2026-03-20 13:00")  # before the start
        await desk.fill("#plan-capacity", "30")
        await desk.fill("#plan-store", "SH01")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert desk.app.screen is form  # the form stays open
        ends = form.query_one("#plan-ends", Input)
        assert "end after it starts" in _text(form, "#plan-ends-error")
        assert ends.value == "2026-03-20 13:00" and ends.has_class("invalid")
        assert desk.app.focused is ends
        assert form.query_one("#plan-theme", Input).value == "春季新品品鉴会"

        await desk.fill("#plan-capacity", "lots")
        await desk.fill("#plan-ends", "2026-03-20 17:00")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert "整数" in _text(form, "#plan-capacity-error")  # a whole number
        assert _text(form, "#plan-ends-error") == ""  # the field fixed: its error gone
        assert desk.app.focused is form.query_one("#plan-capacity", Input)

        await desk.fill("#plan-capacity", "30")
        await desk.press("ctrl+s")
        await desk.done("save")
        screen = await desk.shown(ActivityScreen)
        await desk.done("load")
        assert "春季新品品鉴会" in _text(screen, "#activity-title")
        assert "planned" in _text(screen, "#activity-detail") or "计划中" in _text(
            screen, "#activity-detail"
        )
    [line] = wb.usecases.activities.list(scene.staff["marketing"])
    assert (line.state, line.capacity, line.store_code) == ("draft", 30, "SH01")


async def test_approving_asks_first_and_starts_on_cancel(wb, clock, scene):
    desk_uc = wb.usecases.activities
    code = desk_uc.create(scene.staff["marketing"], plan()).line.code
    desk_uc.submit(scene.staff["marketing"], code)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        await desk.sign_in("supervisor")
        await desk.press("f4")
        listing = await desk.shown(ActivitiesScreen)
        await desk.done("load")
        assert [r[1] for r in _rows(listing.query_one("#activities-table", DataTable))] == [code]
        await desk.press("enter")
        screen = await desk.shown(ActivityScreen)
        await desk.done("load")
        await desk.press("f4")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.press("enter")  # Enter alone: Cancel
        await desk.shown(ActivityScreen)
        assert desk_uc.show(scene.staff["supervisor"], code).line.state == "submitted"

        await desk.press("f4")
        confirm = await desk.shown(ConfirmScreen)
        confirm.query_one("#modal-submit", Button).focus()
        await desk.press("enter")
        await desk.done("do_approve")
        await desk.done("load")
        assert desk_uc.show(scene.staff["supervisor"], code).line.state == "approved"
        assert screen.check_action("approve", ()) is False  # no longer offered


async def test_the_check_in_desk_by_card_number(wb, clock, scene):
    m = scene.members
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    wb.usecases.activities.sign_up(scene.staff["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-20 13:30"))
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        screen = await _open_at_the_counter(desk, "sales_sh")
        assert screen.check_action("approve", ()) is False  # sales: no approving
        await desk.press("f8")
        checkin = await desk.shown(MemberDeskScreen)
        field = checkin.query_one("#activity-member", Input)
        assert desk.app.focused is field
        await desk.fill("#activity-member", m["gold"].card_no)  # the scanner types and Enters
        await desk.press("enter")
        await desk.done("enter")
        said = _text(checkin, "#activity-result")
        assert m["gold"].member_no in said and "200" in said and field.value == ""
        assert "李华" not in said  # masked
        await desk.fill("#activity-member", m["gold"].card_no)
        await desk.press("enter")
        await desk.done("enter")
        assert "13:30" in _text(checkin, "#activity-result")  # already, at 13:30
        await desk.fill("#activity-member", m["regular"].card_no)  # not signed up
        await desk.press("enter")
        await desk.done("enter")
        assert "not signed up" in _text(checkin, "#activity-result")
        assert field.value == m["regular"].card_no  # kept to correct
    counts = wb.usecases.activities.counts(scene.staff["marketing"], code)
    assert (counts.checked_in, counts.points_credited) == (1, 200)


async def test_a_store_manager_sees_their_stores_activities_and_participants(wb, clock, scene):
    m, s = scene.members, scene.staff
    sh_only = _approved(wb, scene, stores="SH01", theme="上海店会员日")
    bj_only = _approved(wb, scene, store="BJ01", stores="BJ01", theme="北京店会员日")
    everyone = _approved(wb, scene, store="", theme="全公司新品发布", capacity="5")
    clock.set(local("2026-03-08 10:00"))
    for key in ("gold", "bj"):
        wb.usecases.activities.sign_up(s["agent"], everyone, m[key].member_no)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("manager_bj")
        await desk.press("f4")
        listing = await desk.shown(ActivitiesScreen)
        await desk.done("load")
        codes = [r[1] for r in _rows(listing.query_one("#activities-table", DataTable))]
        assert bj_only in codes and everyone in codes and sh_only not in codes
        listing.query_one("#activities-table", DataTable).move_cursor(row=codes.index(everyone))
        await desk.press("enter")
        screen = await desk.shown(ActivityScreen)
        await desk.done("load")
        people = _rows(screen.query_one("#activity-signups", DataTable))
        assert [row[0].split()[0] for row in people] == [m["bj"].member_no]
        assert screen.check_action("edit", ()) is False  # head office's activity
        await desk.press("f9")  # the evaluation: not offered before the activity runs
        assert not isinstance(desk.app.screen, EvaluationScreen)


async def test_the_evaluation_view_hides_small_groups(wb, clock, scene):
    m, s = scene.members, scene.staff
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    wb.usecases.activities.sign_up(s["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-20 14:00"))
    wb.usecases.activities.check_in(s["sales_sh"], code, m["gold"].card_no)
    clock.set(local("2026-03-20 18:00"))
    wb.usecases.activities.close(s["marketing"], code)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_from_the_plan(desk, "marketing")
        assert not screen.query("#activity-signups")  # marketing: counts, never participants
        await desk.press("f9")
        view = await desk.shown(EvaluationScreen)
        await desk.done("load")
        figures = _text(view, "#evaluation")
        assert "参加 <5" in figures and "缺席 0" in figures  # one participant: hidden
        assert "每名额 4000.00" in figures  # 8000 for 2 places: no one's figure
        assert m["gold"].member_no not in figures


async def test_a_participants_score_is_recorded_and_a_refusal_keeps_the_input(wb, clock, scene):
    m, s, desk_uc = scene.members, scene.staff, wb.usecases.activities
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    desk_uc.sign_up(s["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-20 14:00"))
    desk_uc.check_in(s["sales_sh"], code, m["gold"].card_no)
    clock.set(local("2026-03-20 17:30"))
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        screen = await _open_at_the_counter(desk, "sales_sh")
        assert screen.check_action("score", ()) is True
        await desk.press("f3")
        form = await desk.shown(ScoreFormScreen)
        member = form.query_one("#score-member", Input)
        score = form.query_one("#score-value", Input)
        assert desk.app.focused is member

        await desk.fill("#score-member", m["gold"].card_no)
        await desk.press("enter")  # on to the score
        assert desk.app.focused is score
        await desk.fill("#score-value", "7")
        await desk.press("enter")
        await desk.done("save")
        assert "1 (poor) to 5" in _text(form, "#score-value-error")
        assert score.has_class("invalid") and desk.app.focused is score
        assert (member.value, score.value) == (m["gold"].card_no, "7")  # kept

        await desk.fill("#score-member", m["regular"].member_no)  # did not take part
        await desk.fill("#score-value", "4")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert _text(form, "#score-value-error") == ""
        assert "did not take part" in _text(form, "#score-member-error")
        assert member.has_class("invalid") and not score.has_class("invalid")
        assert (member.value, score.value) == (m["regular"].member_no, "4")
        assert desk.app.focused is member

        await desk.fill("#score-member", m["gold"].card_no)
        await desk.fill("#score-value", "5")
        await desk.press("enter")
        await desk.done("save")
        said = _text(form, "#score-result")
        assert m["gold"].member_no in said and "5" in said
        assert "李华" not in said  # masked
        assert _text(form, "#score-member-error") == "" and not member.has_class("invalid")
        assert (member.value, score.value) == ("", "")
        assert desk.app.focused is member
    with wb.sessions() as session:
        scores = [
            (row.satisfaction, row.satisfaction_by)
            for row in session.scalars(select(ActivitySignup))
        ]
    assert scores == [(5, "staff")]  # the only sign-up, gold's: scored once, by staff


async def test_the_score_key_is_not_offered_to_marketing(wb, clock, scene):
    _approved(wb, scene)
    async with running(WorkbenchApp(wb), size=(120, 40)) as desk:
        screen = await _open_from_the_plan(desk, "marketing")
        assert screen.check_action("score", ()) is False  # an analyst: aggregates only
        await desk.press("f3")
        assert not isinstance(desk.app.screen, ScoreFormScreen)


async def _yes(desk) -> None:
    """Chooses the confirmation's own button (Enter alone would be Cancel)."""
    confirm = await desk.shown(ConfirmScreen)
    assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
    confirm.query_one("#modal-submit", Button).focus()
    await desk.press("enter")


async def test_closing_asks_first_then_records_the_no_shows(wb, clock, scene):
    m, s, desk_uc = scene.members, scene.staff, wb.usecases.activities
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    for key in ("gold", "silver"):
        desk_uc.sign_up(s["agent"], code, m[key].member_no)
    clock.set(local("2026-03-20 14:00"))
    desk_uc.check_in(s["sales_sh"], code, m["gold"].card_no)
    clock.set(local("2026-03-20 18:00"))
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_from_the_plan(desk, "marketing")
        assert screen.check_action("close", ()) is True
        await desk.press("f10")
        await desk.shown(ConfirmScreen)
        await desk.press("enter")  # Enter alone: Cancel
        await desk.shown(ActivityScreen)
        assert desk_uc.show(s["marketing"], code).line.state == "running"
        await desk.press("f10")
        await _yes(desk)
        await desk.done("do_close")
        said = await desk.notified(code)
        assert "1" in said and desk_uc.show(s["marketing"], code).line.state == "done"
        await desk.done("load")
        assert screen.check_action("close", ()) is False
    counts = desk_uc.counts(s["marketing"], code)
    assert (counts.checked_in, counts.no_shows) == (1, 1)


async def test_returning_a_plan_needs_a_reason_and_keeps_what_was_typed(wb, clock, scene):
    s, desk_uc = scene.staff, wb.usecases.activities
    code = desk_uc.create(s["marketing"], plan()).line.code
    desk_uc.submit(s["marketing"], code)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_from_the_plan(desk, "supervisor")
        assert screen.check_action("return_plan", ()) is True
        await desk.press("ctrl+r")
        form = await desk.shown(ReasonFormScreen)
        field = form.query_one("#reason-text", Input)
        assert desk.app.focused is field
        await desk.fill("#reason-text", "   ")
        await desk.press("ctrl+s")
        await desk.done("save")
        assert desk.app.screen is form and "planner should change" in _text(
            form, "#reason-text-error"
        )
        assert field.has_class("invalid") and field.value == "   "
        await desk.fill("#reason-text", "预算过高")
        await desk.press("ctrl+s")
        await desk.done("save")
        await desk.shown(ActivityScreen)
        await desk.done("load")
        assert screen.check_action("return_plan", ()) is False  # a draft again
    detail = desk_uc.show(s["marketing"], code)
    assert detail.line.state == "draft" and "预算过高" in detail.changes[-1].new


async def test_cancelling_the_activity_asks_first_and_keeps_the_reason(wb, clock, scene):
    m, s, desk_uc = scene.members, scene.staff, wb.usecases.activities
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    desk_uc.sign_up(s["agent"], code, m["gold"].member_no)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_from_the_plan(desk, "marketing")
        await desk.press("ctrl+x")
        form = await desk.shown(ReasonFormScreen)
        await desk.fill("#reason-text", "场地维修")
        await desk.press("ctrl+s")
        await desk.shown(ConfirmScreen)
        await desk.press("enter")  # Cancel: nothing done, the reason still there
        await desk.shown(ReasonFormScreen)
        assert form.query_one("#reason-text", Input).value == "场地维修"
        assert desk_uc.show(s["marketing"], code).line.state == "approved"
        await desk.press("ctrl+s")
        await _yes(desk)
        await desk.done("save")
        await desk.shown(ActivityScreen)
        await desk.done("load")
        assert "场地维修" in _text(screen, "#activity-detail")
        assert screen.check_action("cancel_activity", ()) is False
    assert desk_uc.show(s["marketing"], code).line.state == "cancelled"


async def test_a_sign_up_is_cancelled_at_the_counter_after_asking(wb, clock, scene):
    m, s, desk_uc = scene.members, scene.staff, wb.usecases.activities
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    desk_uc.sign_up(s["agent"], code, m["gold"].member_no)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_at_the_counter(desk, "sales_sh")
        for key in ("close", "return_plan", "cancel_activity"):
            assert screen.check_action(key, ()) is False  # sales: none of the planners' keys
        await desk.press("ctrl+u")
        cancel = await desk.shown(MemberDeskScreen)
        field = cancel.query_one("#activity-member", Input)
        assert desk.app.focused is field
        await desk.fill("#activity-member", m["gold"].card_no)
        await desk.press("enter")
        await desk.shown(ConfirmScreen)
        await desk.press("enter")  # Cancel: the sign-up stays
        await desk.shown(MemberDeskScreen)
        assert [p.status for p in desk_uc.participants(s["agent"], code)] == ["confirmed"]
        await desk.press("enter")  # the field still holds the card: asked again
        await _yes(desk)
        await desk.done("enter")
        said = _text(cancel, "#activity-result")
        assert m["gold"].member_no in said and "李华" not in said and field.value == ""
        await desk.fill("#activity-member", m["regular"].member_no)  # never signed up
        await desk.press("enter")
        await _yes(desk)
        await desk.done("enter")
        assert "not signed up" in _text(cancel, "#activity-result")
        assert field.value == m["regular"].member_no  # kept to correct
    assert desk_uc.participants(s["agent"], code) == ()


async def test_marketing_reads_small_counts_as_under_the_minimum(wb, clock, scene):
    s, desk_uc = scene.staff, wb.usecases.activities
    code = desk_uc.create(s["manager_sh"], plan(store=None)).line.code  # the store's plan
    desk_uc.submit(s["manager_sh"], code)
    desk_uc.approve(s["supervisor"], code)
    clock.set(local("2026-03-08 10:00"))
    desk_uc.sign_up(s["agent"], code, scene.members["gold"].member_no)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_from_the_plan(desk, "marketing")
        shown = _text(screen, "#activity-detail")
        assert "<5" in shown and "报名 1" not in shown and "signed up 1" not in shown


async def test_the_years_report_shows_each_started_activity_small_groups_hidden(wb, clock, scene):
    m, s, desk_uc = scene.members, scene.staff, wb.usecases.activities
    code = _approved(wb, scene)
    draft = desk_uc.create(s["marketing"], plan(theme="未开始")).line.code
    clock.set(local("2026-03-08 10:00"))
    desk_uc.sign_up(s["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-20 14:00"))
    desk_uc.check_in(s["sales_sh"], code, m["gold"].card_no)
    clock.set(local("2026-03-20 18:00"))
    desk_uc.close(s["marketing"], code)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("marketing")
        await desk.press("f4")
        await desk.shown(ActivitiesScreen)
        await desk.done("load")
        await desk.press("f9")
        report = await desk.shown(ReportScreen)
        await desk.done("load")
        shown = _text(report, "#report")
        assert code in shown and draft not in shown  # started activities only
        assert "参加 <5" in shown and m["gold"].member_no not in shown
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("sales_sh")
        await desk.press("f3")
        menu = await desk.shown(CounterMenuScreen)
        menu.query_one(OptionList).highlighted = [e.label for e in menu._entries].index(
            "activities.menu"
        )
        await desk.press("enter")
        listing = await desk.shown(ActivitiesScreen)
        await desk.done("load")
        assert listing.check_action("report", ()) is False  # sales: no report


async def test_approvers_are_told_of_plans_waiting_on_the_home_screen(wb, clock, scene):
    s, desk_uc = scene.staff, wb.usecases.activities
    code = desk_uc.create(s["marketing"], plan()).line.code
    desk_uc.submit(s["marketing"], code)
    theirs = desk_uc.create(s["supervisor"], plan(theme="自己的计划")).line.code
    desk_uc.submit(s["supervisor"], theirs)
    access = wb.usecases.access
    assert [line.code for line in access.plans_waiting(s["supervisor"])] == [code]  # not theirs
    assert [line.code for line in access.plans_waiting(s["head"])] == [code, theirs]
    assert access.plans_waiting(s["agent"]) == () and access.plans_waiting(s["marketing"]) == ()
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        await desk.sign_in("supervisor")
        said = await desk.notified("1 ")
        assert "activity plans" in said or "活动计划" in said
        await desk.at_rest()
        home = desk.app.screen
        assert said in str(home.query_one("#approvals-waiting", Static).render())


async def test_the_planner_records_the_cost_and_a_refusal_keeps_the_amount(wb, clock, scene):
    m, s, desk_uc = scene.members, scene.staff, wb.usecases.activities
    code = _approved(wb, scene)
    clock.set(local("2026-03-08 10:00"))
    desk_uc.sign_up(s["agent"], code, m["gold"].member_no)
    clock.set(local("2026-03-20 14:00"))
    desk_uc.check_in(s["sales_sh"], code, m["gold"].card_no)
    clock.set(local("2026-03-20 18:00"))
    desk_uc.close(s["marketing"], code)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_from_the_plan(desk, "marketing")
        assert screen.check_action("cost", ()) is True
        await desk.press("ctrl+k")
        form = await desk.shown(CostFormScreen)
        field = form.query_one("#cost-amount", Input)
        assert desk.app.focused is field
        await desk.fill("#cost-amount", "-5")
        await desk.press("enter")
        await desk.done("save")
        assert desk.app.screen is form and "不能为负" in _text(form, "#cost-amount-error")
        assert field.value == "-5" and field.has_class("invalid")
        await desk.fill("#cost-amount", "8500")
        await desk.press("ctrl+s")
        await desk.done("save")
        await desk.shown(ActivityScreen)
        await desk.done("load")
        assert "8500.00" in _text(screen, "#activity-detail")
        await desk.press("f9")
        view = await desk.shown(EvaluationScreen)
        await desk.done("load")
        figures = _text(view, "#evaluation")
        assert "8500.00" in figures and "500.00" in figures  # 500 over the budget
        assert "每位参加者 <5" in figures  # one participant: their share hidden
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        screen = await _open_at_the_counter(desk, "sales_sh")
        assert screen.check_action("cost", ()) is False
