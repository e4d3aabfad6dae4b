"""A membership from application to erasure at the desk, with a Pilot, as the people who do each
step would: a supervisor loads the gift catalogue; a store's sales person fills in the application (F3 → form, Ctrl+S) and signs out;
an agent returns it from the review queue with a reason (Ctrl+R); the sales person, told on
sign-in, corrects and resubmits it; the agent approves it (Ctrl+Y, confirmed); the sales person
records a purchase and a partial return at the till, finds the member by phone, redeems a gift
and records the member's request to leave (Ctrl+A); a supervisor gives notice (Ctrl+A). The
notice period passes, the scheduled run terminates and erases, and the profile, found by card,
shows the member terminated. Every screen shows masked names and the figures the rules give;
nothing in clear appears on any of them (tests/integration/test_member_journey.py walks the
same journey through the use cases)."""

from __future__ import annotations

import re
from datetime import timedelta

from textual.notifications import Notify
from textual.widgets import Button, DataTable, OptionList, Select, Static

from tests.factories import fake_id_number, fake_phone
from tests.pii import clear_personal_data
from tests.tui.harness import Desk, running
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.screens.application_form import (
    ApplicationFormScreen,
    ReturnedApplicationsScreen,
)
from workbench.tui.screens.gifts import GiftCatalogueScreen
from workbench.tui.screens.home import HomeScreen
from workbench.tui.screens.member_desk import CounterMenuScreen, MemberMenuScreen
from workbench.tui.screens.points import RedeemScreen
from workbench.tui.screens.profile import ProfileScreen
from workbench.tui.screens.review_queue import RejectScreen, ReviewQueueScreen
from workbench.tui.screens.sign_in import SignInScreen
from workbench.tui.screens.termination import TerminationNoticeScreen, TerminationRequestScreen
from workbench.tui.screens.till import TillScreen
from workbench.tui.work import WorkDone

NAME = "林晓东"
ADDRESS = "上海市静安区南京西路1号"
EMAIL = "lin@example.com"


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


class Journey:
    """The desk and what the member gave, with the checks every step repeats."""

    def __init__(self, desk: Desk, phone: str, id_number: str) -> None:
        self.desk = desk
        self.phone = phone
        self.id_number = id_number

    def nothing_in_clear(self) -> None:
        """Neither the screen nor anything the app has said shows the member's data."""
        needles = [NAME, ADDRESS, self.phone, self.id_number]
        shown = self.desk.app.export_screenshot().encode()
        assert clear_personal_data(shown, needles) == [], type(self.desk.app.screen).__name__
        told = "\n".join(self.desk.notifications()).encode()
        assert clear_personal_data(told, needles) == []

    async def choose(
        self, menu_type: type[CounterMenuScreen | MemberMenuScreen], label_key: str
    ) -> None:
        """Picks the entry `label_key` in the open menu, which offers only the role's work."""
        menu = await self.desk.shown(menu_type)
        assert isinstance(menu, (CounterMenuScreen, MemberMenuScreen))
        keys = [entry.label for entry in menu._entries]
        assert label_key in keys, keys
        menu.query_one(OptionList).highlighted = keys.index(label_key)
        await self.desk.press("enter")

    async def counter(self, label_key: str, screen_type, *loads: str):
        """F3 on the home screen, then the entry: the screen, once it has loaded."""
        await self.desk.press("f3")
        await self.choose(CounterMenuScreen, label_key)
        screen = await self.desk.shown(screen_type)
        if loads:
            await self.desk.done(*loads)
        return screen

    async def for_member(self, label_key: str, screen_type):
        """Ctrl+A on the profile, then the entry."""
        await self.desk.press("ctrl+a")
        await self.choose(MemberMenuScreen, label_key)
        screen = await self.desk.shown(screen_type)
        await self.desk.done("load")
        return screen

    async def profile(self, search: str) -> ProfileScreen:
        """The member found from the home screen's search, by phone or card number."""
        await self.desk.fill("#search-input", search)
        await self.desk.press("enter")
        await self.desk.done("search")
        screen = await self.desk.shown(ProfileScreen)
        assert isinstance(screen, ProfileScreen)
        await self.desk.done("load_service_data")
        self.nothing_in_clear()
        return screen

    async def home(self) -> None:
        while not isinstance(self.desk.app.screen, HomeScreen):
            await self.desk.press("escape")
        await self.desk.shown(HomeScreen)

    async def sign_out(self) -> None:
        await self.home()
        await self.desk.press("ctrl+o")
        await self.desk.shown(SignInScreen)


async def test_a_membership_from_application_to_erasure(wb, tui_world, clock):
    phone, id_number = fake_phone(), fake_id_number(birthday="19791103", male=True)
    async with running(WorkbenchApp(wb), size=(140, 40)) as desk:
        journey = Journey(desk, phone, id_number)

        # Before the day: a supervisor loads the gift catalogue (F3 → catalogue, F6). The
        # redemption form offers only what is in it.
        await desk.sign_in("supervisor")
        gifts = await journey.counter("points.menu_catalogue", GiftCatalogueScreen, "load")
        await desk.press("f6")
        await desk.done("import_gifts")
        await desk.done("load")
        assert "gift-100" in [gift.code for gift in gifts.gifts]
        await journey.sign_out()

        # The store: the application, filled in and sent (F3 → form, Ctrl+S).
        await desk.sign_in("sales_own")
        await journey.counter("applications.menu_submit", ApplicationFormScreen, "load")
        await desk.fill("#app-name", NAME)
        await desk.fill("#app-phone", phone)
        await desk.fill("#app-id_number", id_number)
        await desk.fill("#app-address", ADDRESS)
        typed = clear_personal_data(desk.app.export_screenshot().encode(), [NAME, phone])
        assert NAME in typed and phone in typed  # the check sees what is on the screen
        await desk.press("ctrl+s")
        await desk.done("submit")
        told = await desk.notified("已提交")
        assert "林**" in told
        [member_no] = re.findall(r"M\d+", told)
        await desk.shown_other_than(ApplicationFormScreen)
        journey.nothing_in_clear()
        await journey.sign_out()

        # Customer service returns it with a reason (F3 → queue, Ctrl+R).
        await desk.sign_in("agent")
        queue = await journey.counter("applications.menu_queue", ReviewQueueScreen, "load")
        table = queue.query_one("#queue", DataTable)
        assert table.row_count == 1 and "林**" in str(table.get_row(member_no))
        journey.nothing_in_clear()
        await desk.press("ctrl+r")
        await desk.shown(RejectScreen)
        await desk.fill("#reject-reason", "缺少邮箱")
        await desk.press("enter")
        await desk.notified("已退回")
        await desk.done("load")
        assert table.row_count == 0
        await journey.sign_out()

        # The sales person is told on signing in, corrects it and sends it again.
        await desk.sign_in("sales_own")
        assert any("被退回" in told for told in desk.notifications())
        returned = await journey.counter(
            "applications.menu_returned", ReturnedApplicationsScreen, "load"
        )
        table = returned.query_one("#returned", DataTable)
        row = str(table.get_row(member_no))
        assert "缺少邮箱" in row and "林**" in row  # the reason, and the name masked
        journey.nothing_in_clear()
        await desk.press("enter")
        await desk.shown(ApplicationFormScreen)
        await desk.done("load")
        journey.nothing_in_clear()  # the correction form shows what was sent masked
        await desk.fill("#app-email", EMAIL)
        await desk.press("ctrl+s")
        await desk.done("resubmit")
        await desk.notified("重新提交")
        await desk.shown(ReturnedApplicationsScreen)
        await desk.done("load")
        assert table.row_count == 0
        await journey.sign_out()

        # Customer service approves it (Ctrl+Y; the confirmation starts on Cancel).
        await desk.sign_in("agent")
        queue = await journey.counter("applications.menu_queue", ReviewQueueScreen, "load")
        assert "林**" in str(queue.query_one("#queue", DataTable).get_row(member_no))
        await desk.press("ctrl+y")
        confirm = await desk.shown(ConfirmScreen)
        assert desk.app.focused is confirm.query_one("#modal-cancel", Button)
        await desk.click("#modal-submit")
        await desk.done("approve")
        approved = await desk.notified("已通过")
        [card_no] = re.findall(r"卡号 (\S+)，", approved)
        await desk.done("load")
        await journey.sign_out()

        # The till: a purchase by card, then part of it returned (F3 → Till).
        await desk.sign_in("sales_own")
        till = await journey.counter("till.menu", TillScreen, "load_stores")
        await desk.fill("#till-member", card_no)
        await desk.fill("#till-amount", "2000")
        await desk.fill("#till-receipt", "R-0001")
        await desk.press("ctrl+s")
        await desk.done("record_purchase")
        assert _text(till, "#till-error") == ""
        result = _text(till, "#till-result")
        assert member_no in result and "林**" in result
        assert "+2000 积分" in result and result.endswith("余额 2000")
        journey.nothing_in_clear()
        # The same receipt pressed again: shown, not counted twice.
        await desk.fill("#till-member", card_no)
        await desk.fill("#till-amount", "2000")
        await desk.fill("#till-receipt", "R-0001")
        await desk.press("ctrl+s")
        await desk.done("record_purchase")
        result = _text(till, "#till-result")
        assert result.startswith("此小票已记录过") and result.endswith("余额 2000")
        await desk.press("f4")
        await desk.fill("#till-return-receipt", "R-0001")
        await desk.fill("#till-return-amount", "500")
        await desk.fill("#till-return-ref", "RT-0001")
        await desk.press("ctrl+s")
        await desk.done("record_return")
        assert _text(till, "#till-error") == ""
        result = _text(till, "#till-result")
        assert "500.00/2000.00" in result and "扣回 500 积分" in result
        assert result.endswith("余额 1500")
        journey.nothing_in_clear()
        await journey.home()

        # The member's profile, found by phone: a gift redeemed (Ctrl+A → redeem).
        profile = await journey.profile(phone)
        service = _text(profile, "#service-data")
        assert "积分余额: 1500" in service and card_no in service
        redeem = await journey.for_member("points.menu_redeem", RedeemScreen)
        assert "1500" in _text(redeem, "#redeem-title") and "林**" in _text(redeem, "#redeem-title")
        redeem.query_one("#redeem-gift", Select).value = "gift-100"
        await desk.press("ctrl+s")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("redeem")
        await desk.notified(member_no)
        await desk.done("load")
        assert _text(redeem, ".points-error") == ""
        result = _text(redeem, ".points-result")
        assert "扣 1000 积分" in result and result.endswith("余额 500")
        assert "500" in _text(redeem, "#redeem-title")
        journey.nothing_in_clear()

        # Back on the profile, the member's request to leave (Ctrl+A → request).
        await desk.press("escape")
        await desk.shown(ProfileScreen)
        await journey.for_member("termination.menu_request", TerminationRequestScreen)
        await desk.fill("#termination-note", "搬家")
        await desk.press("ctrl+s")
        await desk.done("record")
        assert "已登记" in await desk.notified(member_no)
        await desk.shown(ProfileScreen)
        await journey.sign_out()

        # A supervisor gives notice (Ctrl+A → notice; voluntary is the reason offered first).
        await desk.sign_in("supervisor")
        await journey.profile(phone)
        notice = await journey.for_member("termination.menu_notice", TerminationNoticeScreen)
        assert "已申请" in _text(notice, "#termination-status")
        await desk.press("ctrl+s")
        await desk.shown(ConfirmScreen)
        await desk.click("#modal-submit")
        await desk.done("give_notice")
        told = await desk.notified("终止通知")
        assert member_no in told and "2 条消息" in told  # SMS and e-mail, with the date
        await desk.shown(ProfileScreen)
        journey.nothing_in_clear()
        await journey.sign_out()

        # The notice period passes; the scheduled run ends the membership and erases it.
        notice_days = timedelta(days=wb.settings.members_termination_notice_days)
        clock.advance(notice_days - timedelta(hours=1))
        assert wb.usecases.termination.run_due(None).terminated == ()
        clock.advance(hours=1)
        assert wb.usecases.termination.run_due(None).terminated == (member_no,)

        # The profile, found by the card (the phone is gone), shows the member terminated.
        await desk.sign_in("supervisor")
        profile = await journey.profile(card_no)
        assert member_no in _text(profile, "#profile-header")
        assert "已终止" in _text(profile, "#profile-header")  # MemberStatus.TERMINATED
        assert "积分余额: 0" in _text(profile, "#service-data")
        fields = profile.query_one("#profile-fields", DataTable)
        assert {str(fields.get_row(key)[1]) for key in fields.rows} == {"-"}  # erased
        journey.nothing_in_clear()
    # No step failed on the way, nor was refused with an error the test did not look at.
    assert [m.name for m in desk.handled if isinstance(m, WorkDone) and m.failed] == []
    errors = [
        m.notification.message
        for m in desk.handled
        if isinstance(m, Notify) and m.notification.severity == "error"
    ]
    assert errors == []
