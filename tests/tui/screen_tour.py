"""A tour of every screen of the desk in one app run (issue 17 items 8 and 9): each role that
reaches a screen signs in, the screen is opened as that role would open it (a key, a menu, or
pushed with what its key would give it), its workers are awaited, and the tour hands the screen
to a `visit` callback — which checks the words, the layout and the stored picture — before it
goes back. One run a (size, language): starting an app a screen would make the suite slower.

The world is `tui_world` with a few more records (a complaint, an activity, a caller on the
line) and with fixed numbers and Chinese display names, so the pictures do not change between
runs and every member or staff text on them is known (`Tour.data`) and can be told from labels.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from rich.console import Console
from sqlalchemy import select, update
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Select
from textual.worker import WorkerCancelled

from tests.activities_scene import plan
from tests.tui.harness import Desk
from workbench.callbacks.service import Claim
from workbench.complaints.service import ComplaintIntake
from workbench.members.gifts import GiftItem
from workbench.members.models import Member, MemberCard, Staff, Store
from workbench.permissions.access import Purpose
from workbench.tui.screens.home import HomeScreen

HOTLINE = "+864008000800"
PHONE = "13912345678"
NEW_CALLER = "13987654321"
# Display names: Chinese, so that in English they are known member-or-staff text, not labels.
NAMES = {
    "agent": "李坐席",
    "supervisor": "王主管",
    "analyst": "赵分析",
    "sales_own": "孙销售",
    "manager_own": "周店长",
}
LONG_RUNNING = frozenset({"listen"})  # workers that run for as long as their screen is shown

Visit = Callable[[str, Screen], Awaitable[None]]


@dataclass
class Tour:
    member_no: str
    member_id: int
    complaint_no: str
    activity: str | None
    phone: str
    data: set[str] = field(default_factory=set)  # member and staff text the screens may show
    codes: set[str] = field(default_factory=set)  # store codes, usernames: not words


def prepare(wb, world, clock) -> Tour:
    """The world's member with fixed numbers, a complaint, an activity; what text is data."""
    member_no = "M200000001"
    with wb.sessions() as session:
        session.execute(
            update(MemberCard)
            .where(MemberCard.member_id == world.member_id)
            .values(card_no="9000000000018")
        )
        session.execute(
            update(Member).where(Member.id == world.member_id).values(member_no=member_no)
        )
        for username, name in NAMES.items():
            session.execute(
                update(Staff).where(Staff.username == username).values(display_name=name)
            )
        session.commit()
        stores = session.execute(select(Store.code, Store.name, Store.city)).all()
        staff_names = session.scalars(select(Staff.display_name)).all()
        usernames = session.scalars(select(Staff.username)).all()
        gifts = session.scalars(select(GiftItem.code)).all()
    world.member_no = member_no
    complaint_no = wb.usecases.complaints.open(
        world.staff["agent"],
        ComplaintIntake(
            channel="hotline",
            category="billing",
            description="会员卡被重复扣费两次",
            member_no=member_no,
        ),
    )
    try:
        activity = wb.usecases.activities.create(world.staff["analyst"], plan()).line.code
    except Exception:  # noqa: BLE001 - the tour then skips the activity's screens
        activity = None
    app = world.app
    data = {name for _code, name, _city in stores} | {c for _, _, c in stores if c}
    data |= set(staff_names) | {app.name, app.address, "会员卡被重复扣费两次", plan().theme}
    data |= {plan().content, app.name[0] + "*", app.name[0] + "**"}
    data |= set(gifts)  # gift codes: identifiers, not words
    tour = Tour(member_no, world.member_id, complaint_no, activity, app.phone, data)
    tour.codes = {code for code, _, _ in stores} | set(usernames)
    return tour


def screen_text(app) -> str:
    """What the terminal shows now, as text (the screen and the ones beneath a modal)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system=None,
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


def hidden_text(screen: Screen) -> list[str]:
    """What the screen holds but may not show at this size: every table cell, every choice of
    a select or an option list, every key's description as the footer would draw it."""
    texts: list[str] = []
    for table in screen.query(DataTable):
        texts += [str(column.label) for column in table.columns.values()]
        for row in range(table.row_count):
            texts += [str(cell) for cell in table.get_row_at(row)]
    for select_ in screen.query(Select):
        texts += [str(prompt) for prompt, _value in select_._options]
    for options in screen.query(OptionList):
        texts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    labels = screen.app.labels
    for active in screen.active_bindings.values():
        if active.binding.show and active.binding.description:
            texts.append(labels.key(active.binding.description))
    return texts


async def settle(desk: Desk) -> None:
    """Until the workers the screen started have finished (not the ones that listen for as
    long as it is shown), and what they started in turn, then until the picture is at rest."""
    app = desk.app

    def busy() -> list:
        return [w for w in app.workers if not w.is_finished and w.name not in LONG_RUNNING]

    for _ in range(50):
        await desk.pilot.pause()
        while running := busy():
            with contextlib.suppress(WorkerCancelled):  # an exclusive worker replaced it
                await app.workers.wait_for_complete(running)
            await desk.pilot.pause()
        await desk.at_rest()
        if not busy():  # none started while the picture came to rest
            return


async def _open(desk: Desk, screen: Screen) -> Screen:
    desk.app.push_screen(screen)
    await desk.pilot.pause()
    await settle(desk)
    return desk.app.screen


async def _back_to(desk: Desk, depth: int) -> None:
    while len(desk.app.screen_stack) > depth:
        desk.app.pop_screen()
        await desk.pilot.pause()
    await settle(desk)


async def _sign_in(desk: Desk, username: str) -> None:
    if desk.app.signed_in is not None:
        desk.app.end_session()
        await desk.pilot.pause()
    await desk.sign_in(username)
    await settle(desk)


async def run(desk: Desk, tour: Tour, visit: Visit) -> list[str]:
    """Visits every screen; returns the names visited, in order."""
    from workbench.tui.screens.actions import (
        ConfirmScreen,
        MessageScreen,
        ScheduleCallbackScreen,
        TransferScreen,
    )
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
    from workbench.tui.screens.approvals import ApprovalsScreen
    from workbench.tui.screens.callback import CallbackScreen, OutcomeScreen
    from workbench.tui.screens.campaigns import CampaignFormScreen, CampaignsScreen
    from workbench.tui.screens.cards import ActivateCardScreen
    from workbench.tui.screens.complaint import ComplaintScreen
    from workbench.tui.screens.complaint_form import ComplaintFormScreen
    from workbench.tui.screens.complaint_list import ComplaintListScreen
    from workbench.tui.screens.dashboard import DashboardScreen
    from workbench.tui.screens.gifts import AddGiftScreen
    from workbench.tui.screens.help import HelpScreen
    from workbench.tui.screens.member_desk import (
        CounterMenuScreen,
        MemberMenuScreen,
        counter_entries,
        member_entries,
    )
    from workbench.tui.screens.profile import ProfileScreen
    from workbench.tui.screens.register import RegisterCallerScreen
    from workbench.tui.screens.reveal import RevealScreen
    from workbench.tui.screens.review_queue import RejectScreen
    from workbench.tui.screens.statistics import StatisticsScreen
    from workbench.tui.screens.step_form import StepFormScreen
    from workbench.tui.screens.wallboard import WallboardScreen
    from workbench.tui.screens.wrap_up import WrapUpScreen

    app = desk.app
    visited: list[str] = []

    async def seen(name: str) -> None:
        visited.append(name)
        await visit(name, app.screen)

    async def one(name: str, screen: Screen) -> None:
        depth = len(app.screen_stack)
        await _open(desk, screen)
        await seen(name)
        await _back_to(desk, depth)

    # The sign-in screen, before anyone signs in.
    await settle(desk)
    await seen("sign_in")

    # The supervisor: nearly every screen.
    await _sign_in(desk, "supervisor")
    home_depth = len(app.screen_stack)
    await seen("home_supervisor")
    await one("help", HelpScreen(app.screen))
    await one("approvals", ApprovalsScreen())
    await one("add_gift", AddGiftScreen())
    await one("activate_card", ActivateCardScreen("9000000000018"))
    await one("reject_application", RejectScreen(tour.member_no, "张*"))
    await one("complaint_list", ComplaintListScreen())
    await one("complaint", ComplaintScreen(tour.complaint_no))
    await one("step_form", StepFormScreen(tour.complaint_no, "assign"))
    await one("dashboard", DashboardScreen())
    await one("campaign_form", CampaignFormScreen())
    supervisor = app.staff  # creates the campaign the last screens show
    await one("wallboard", WallboardScreen())
    await one("statistics_supervisor", StatisticsScreen())
    menu = await _open(desk, CounterMenuScreen())
    await seen("counter_menu")
    for entry in counter_entries(app.staff.role):
        await one(f"counter:{entry.label}", entry.opens())
    await _back_to(desk, home_depth)

    staff = app.staff
    view = app.usecases.members.find_by_phone(staff, tour.phone, Purpose.SERVICE)
    assert view is not None
    profile = await _open(desk, ProfileScreen(view))
    assert isinstance(profile, ProfileScreen)
    await seen("profile")
    for n in range(2, len(ProfileScreen.HISTORY) + 1):
        profile.action_history_tab(n)
        await settle(desk)
        await seen(f"profile_tab_{n}")
    profile.action_history_tab(1)
    await one("member_menu", MemberMenuScreen(tour.member_no))
    for entry in member_entries(app.staff.role):
        await one(f"member:{entry.label}", entry.opens(tour.member_no))
    await one("complaint_form", ComplaintFormScreen(tour.member_no))
    await one("reveal", RevealScreen("phone"))
    await one("message", MessageScreen(tour.member_id))
    await one("schedule_callback", ScheduleCallbackScreen())
    await one("transfer", TransferScreen(tuple(app.wb.settings.telephony_transfer_queues)))
    await one("confirm", ConfirmScreen(app.labels("lost.confirm", member_no=tour.member_no)))
    now = app.wb.clock.now()
    claim = Claim(
        task_id=0,
        member_id=tour.member_id,
        member_no=tour.member_no,
        reason="member_request",
        attempts=0,
        grant_until=now + timedelta(hours=1),
        lease_until=now + timedelta(minutes=30),
    )
    await _back_to(desk, home_depth)
    await one("callback", CallbackScreen(view, claim))
    await one("callback_outcome", OutcomeScreen(""))

    if tour.activity is not None:
        await one("activities", ActivitiesScreen())
        await one("activity", ActivityScreen(tour.activity))
        await one("activity_report", ReportScreen("2026", ""))
        await one("activity_plan_form", PlanFormScreen())
        await one("activity_signup", MemberDeskScreen(tour.activity, "signup"))
        await one("activity_score", ScoreFormScreen(tour.activity))
        await one("activity_reason", ReasonFormScreen(tour.activity, "return"))
        await one("activity_cost", CostFormScreen(tour.activity, None))
        await one("activity_evaluation", EvaluationScreen(tour.activity))

    # The agent: the home screen with a new caller on the line, their registration, wrap-up.
    await _sign_in(desk, "agent")
    await seen("home_agent")
    app.wb.telephony.hotline.incoming(
        call_sid="CA" + "7" * 32, from_number=NEW_CALLER, to_number=HOTLINE
    )
    await desk.done_until(
        "load_calls", lambda: app.screen.query_one("#call-banner").display, "a screen pop"
    )
    await settle(desk)
    await seen("home_call_waiting")
    await desk.press("f2")
    register = await desk.shown(RegisterCallerScreen)
    await settle(desk)
    await seen("register_caller")
    assert isinstance(register, RegisterCallerScreen)
    call_id = register.call_id
    await _back_to(desk, home_depth)
    await one("wrap_up", WrapUpScreen(call_id))

    # The analyst (marketing): statistics is their home.
    await _sign_in(desk, "analyst")
    await seen("statistics")

    # A sales person and a store manager: their counters.
    await _sign_in(desk, "sales_own")
    await seen("home_sales")
    for entry in counter_entries(app.staff.role):
        await one(f"sales:{entry.label}", entry.opens())
    await _sign_in(desk, "manager_own")
    await seen("home_store_manager")
    await one("dashboard_store_manager", DashboardScreen())
    # Campaigns, with one running (after every dashboard, whose panel would show it): the
    # store manager reads them, the supervisor also has the keys that change them.
    today = app.wb.clock.now().astimezone(app.wb.settings.timezone).date()
    app.usecases.callbacks.create_campaign(
        supervisor,
        name="春季回访",
        segment={"store": "SH01"},
        starts_on=today,
        ends_on=today + timedelta(days=6),
        daily_capacity=50,
    )
    tour.data.add("春季回访")
    await one("campaigns_store_manager", CampaignsScreen())
    await _sign_in(desk, "supervisor")
    await one("campaigns", CampaignsScreen())
    assert isinstance(app.screen, HomeScreen)
    del menu
    return visited
