"""The member desk's menus: what a signed-in role may do at the counter (F3 on the home screen:
applications, the review queue, the till, the gift catalogue, stored goods, terminations) and
what it may do for the member on screen (Ctrl+A on the profile: cards, points, goods, consent,
termination). Each area adds its entries to `COUNTER` or `FOR_MEMBER`; a menu lists only the
entries of the signed-in role, so nobody is offered what they will be refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from workbench.members.models import Role
from workbench.tui.base import WorkbenchModal, WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp

ALL_COUNTER = frozenset({Role.AGENT, Role.SUPERVISOR, Role.SALES, Role.STORE_MANAGER, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class CounterEntry:
    """A piece of counter work: its label key, who does it, and the screen it opens."""

    label: str
    roles: frozenset[Role]
    opens: Callable[[], Screen[None]]


@dataclass(frozen=True)
class MemberEntry:
    """Something done for one member: the screen gets the member's number."""

    label: str
    roles: frozenset[Role]
    opens: Callable[[str], Screen[None]]


# Each area's entries, in menu order; the factories import lazily (screens import this module).
COUNTER: list[CounterEntry] = []
FOR_MEMBER: list[MemberEntry] = []


def counter_entries(role: str) -> list[CounterEntry]:
    return [entry for entry in COUNTER if role in entry.roles]


def member_entries(role: str) -> list[MemberEntry]:
    return [entry for entry in FOR_MEMBER if role in entry.roles]


class CounterMenuScreen(WorkbenchScreen[None]):
    """F3 on the home screen: the counter work of the signed-in role."""

    BINDINGS = [Binding("escape", "back", "Back")]

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with Vertical(id="desk-menu"):
            yield Static(Text(labels("desk.counter_title")), id="desk-menu-title")
            yield OptionList(id="desk-menu-options")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self._entries = counter_entries(self.app.staff.role)
        _fill(self.app, self.query_one(OptionList), [e.label for e in self._entries])

    def relabel(self) -> None:
        _fill(self.app, self.query_one(OptionList), [e.label for e in self._entries])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.app.push_screen(self._entries[event.option_index].opens())

    def action_back(self) -> None:
        self.app.pop_screen()


class MemberMenuScreen(WorkbenchModal[None]):
    """Ctrl+A on a profile: what the signed-in role may do for this member."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form"):
            yield Static(Text(labels("desk.member_title", member_no=self.member_no)))
            yield OptionList(id="desk-menu-options")

    def on_mount(self) -> None:
        self._entries = member_entries(self.app.staff.role)
        _fill(self.app, self.query_one(OptionList), [e.label for e in self._entries])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        screen = self._entries[event.option_index].opens(self.member_no)
        self.dismiss(None)
        self.app.push_screen(screen)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _fill(app: WorkbenchApp, options: OptionList, label_keys: list[str]) -> None:
    options.clear_options()
    if not label_keys:
        options.add_option(Option(Text(app.labels("desk.nothing")), disabled=True))
    for key in label_keys:
        options.add_option(Option(Text(app.labels(key))))
    if label_keys:
        options.highlighted = 0  # Enter takes the first; Down moves to the second
    options.focus()


def _open_cards(member_no: str) -> Screen[None]:
    from workbench.tui.screens.cards import CardsScreen

    return CardsScreen(member_no)


FOR_MEMBER.append(MemberEntry("cards.menu", ALL_COUNTER, _open_cards))


def _open_till() -> Screen[None]:
    from workbench.tui.screens.till import TillScreen

    return TillScreen()


# Not the hotline agents: purchases are recorded at a store (workbench/usecases/till.py).
TILL_ROLES = frozenset({Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR, Role.ADMIN})
COUNTER.append(CounterEntry("till.menu", TILL_ROLES, _open_till))


def _open_application() -> Screen[None]:
    from workbench.tui.screens.application_form import ApplicationFormScreen

    return ApplicationFormScreen()


def _open_review_queue() -> Screen[None]:
    from workbench.tui.screens.review_queue import ReviewQueueScreen

    return ReviewQueueScreen()


def _open_returned() -> Screen[None]:
    from workbench.tui.screens.application_form import ReturnedApplicationsScreen

    return ReturnedApplicationsScreen()


# Applications (workbench/usecases/applications.py): filled in at a store, reviewed by customer
# service; whoever submitted one (a hotline registration too) corrects it when it is returned.
COUNTER.append(
    CounterEntry(
        "applications.menu_submit", frozenset({Role.SALES, Role.STORE_MANAGER}), _open_application
    )
)
COUNTER.append(
    CounterEntry(
        "applications.menu_queue",
        frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN}),
        _open_review_queue,
    )
)
COUNTER.append(CounterEntry("applications.menu_returned", ALL_COUNTER, _open_returned))


def _open_store_goods() -> Screen[None]:
    from workbench.tui.screens.goods import GoodsScreen

    return GoodsScreen()


def _open_member_goods(member_no: str) -> Screen[None]:
    from workbench.tui.screens.goods import GoodsScreen

    return GoodsScreen(member_no)


# Stored goods (workbench/usecases/goods.py): store staff, supervisors and admins keep and hand
# over; agents look.
COUNTER.append(CounterEntry("goods.store_menu", ALL_COUNTER, _open_store_goods))
FOR_MEMBER.append(MemberEntry("goods.menu", ALL_COUNTER, _open_member_goods))


def _open_consent(member_no: str) -> Screen[None]:
    from workbench.tui.screens.consent import ConsentScreen

    return ConsentScreen(member_no)


# Consent to sharing and marketing (workbench/usecases/consent.py): whoever serves the member.
FOR_MEMBER.append(MemberEntry("consent.menu", ALL_COUNTER, _open_consent))


def _open_points(screen: str) -> Callable[[str], Screen[None]]:
    def opens(member_no: str) -> Screen[None]:
        from workbench.tui.screens import points

        opened: Screen[None] = getattr(points, screen)(member_no)
        return opened

    return opens


def _open_gifts() -> Screen[None]:
    from workbench.tui.screens.gifts import GiftCatalogueScreen

    return GiftCatalogueScreen()


# Points (workbench/usecases/points.py): agents, sales, store managers and supervisors redeem;
# whoever serves the member credits the activity rules of their role and sees the ledger;
# supervisors and administrators adjust and manage the catalogue (the others see it).
REDEEMING = frozenset({Role.AGENT, Role.SALES, Role.STORE_MANAGER, Role.SUPERVISOR})
FOR_MEMBER.append(MemberEntry("points.menu_redeem", REDEEMING, _open_points("RedeemScreen")))
FOR_MEMBER.append(
    MemberEntry("points.menu_credit", ALL_COUNTER, _open_points("CreditActivityScreen"))
)
FOR_MEMBER.append(MemberEntry("points.menu_ledger", ALL_COUNTER, _open_points("LedgerScreen")))
FOR_MEMBER.append(
    MemberEntry("points.menu_adjust", SUPERVISING, _open_points("AdjustPointsScreen"))
)
COUNTER.append(CounterEntry("points.menu_catalogue", ALL_COUNTER, _open_gifts))


def _open_pending_terminations() -> Screen[None]:
    from workbench.tui.screens.termination import PendingTerminationsScreen

    return PendingTerminationsScreen()


def _open_termination(step: str, member_no: str) -> Screen[None]:
    from workbench.tui.screens import termination

    screens = {
        "request": termination.TerminationRequestScreen,
        "notice": termination.TerminationNoticeScreen,
        "withdraw": termination.TerminationWithdrawScreen,
    }
    return screens[step](member_no)


# Termination (workbench/usecases/termination.py): whoever serves the member records a request
# to leave and its withdrawal; supervisors and administrators give notice, end one now, list.
COUNTER.append(CounterEntry("termination.menu_pending", SUPERVISING, _open_pending_terminations))
FOR_MEMBER.append(
    MemberEntry(
        "termination.menu_request", ALL_COUNTER, lambda no: _open_termination("request", no)
    )
)
FOR_MEMBER.append(
    MemberEntry("termination.menu_notice", SUPERVISING, lambda no: _open_termination("notice", no))
)
FOR_MEMBER.append(
    MemberEntry(
        "termination.menu_withdraw", ALL_COUNTER, lambda no: _open_termination("withdraw", no)
    )
)


def _open_activities() -> Screen[None]:
    from workbench.tui.screens.activities import ActivitiesScreen

    return ActivitiesScreen()


# Member activities (workbench/usecases/activities.py): the counters and the hotline sign
# members up and check them in; store managers and supervisors also plan and approve (F4 on
# the home screen opens the same plan).
COUNTER.append(CounterEntry("activities.menu", ALL_COUNTER, _open_activities))


def _open_assigned_agent(member_no: str) -> Screen[None]:
    from workbench.tui.screens.assigned_agent import AssignedAgentScreen

    return AssignedAgentScreen(member_no)


# A member's assigned agent (workbench/usecases/assigned_agents.py): supervisors, administrators.
FOR_MEMBER.append(MemberEntry("assigned.menu", SUPERVISING, _open_assigned_agent))
