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
    options.focus()
