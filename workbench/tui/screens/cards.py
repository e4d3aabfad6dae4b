"""A member's cards (Ctrl+A on the profile → Cards): the history of their cards (number,
status, dates) and the steps the signed-in role may take on the current card in its state —
only those are offered (workbench/usecases/cards.py says who may do what). Each step that
changes a card asks first, with Cancel focused; activation asks for the phone the customer
gives, and a wrong one keeps the form open with the reason under it."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from workbench.errors import ValidationError
from workbench.tui.base import WorkbenchModal, WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.cards import CardAction, CardDone, MemberCards

COLUMNS = ("card", "status", "issued", "activated", "lost", "closed", "current")


class CardsScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "step('activate')", "Activate card"),
        Binding("f6", "step('lost')", "Lost card"),
        Binding("f7", "step('found')", "Card found"),
        Binding("f8", "step('reissue')", "Reissue card"),
        Binding("f9", "step('replace')", "Replace card"),
    ]

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no
        self.listed: MemberCards | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="cards-body"):
            yield Static(Text(self.app.labels("cards.loading")), id="cards-title")
            yield DataTable(id="cards-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="cards-offered", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#cards-table", DataTable).focus()
        self.load()

    def relabel(self) -> None:
        self._fill()

    # Offering only what the role may do now ------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "step":
            return self.listed is not None and parameters[0] in self.listed.actions
        return True

    # Work ----------------------------------------------------------------------------------------
    @desk_work(exclusive=True, group="cards")
    def load(self) -> None:
        app = self.app
        listed = app.usecases.cards.cards(app.touch_session(), self.member_no)
        app.call_from_thread(self._show, listed)

    def _show(self, listed: MemberCards) -> None:
        self.listed = listed
        self._fill()
        self.refresh_bindings()

    def _fill(self) -> None:
        labels, listed = self.app.labels, self.listed
        if listed is None:
            return
        line = listed.member
        tier = self.app.wb.scheme.get(line.tier_code).label(labels.language)
        status = labels.value("member_status", line.status)
        member = f"{line.member_no} {line.masked_name} · {tier} · {status}"
        self.query_one("#cards-title", Static).update(
            Text(labels("cards.title", member=member))  # a masked name is still data
        )
        rows = [
            (
                card.card_no,
                [
                    Text(card.card_no),
                    Text(labels(f"cards.status.{card.status}")),
                    Text(self._local(card.issued_at)),
                    Text(self._local(card.activated_at)),
                    Text(self._local(card.lost_at)),
                    Text(self._local(card.closed_at)),
                    Text("●" if card.current else ""),
                ],
            )
            for card in listed.cards
        ]
        headers = [labels(f"cards.col.{c}") for c in COLUMNS]
        fill_table(self.query_one("#cards-table", DataTable), headers, rows)
        steps = "  ".join(labels(f"cards.step.{step}") for step in listed.actions)
        offered = labels("cards.offered", steps=steps) if steps else labels("cards.nothing")
        self.query_one("#cards-offered", Static).update(Text(offered))

    def _local(self, at: datetime | None) -> str:
        zone = self.app.wb.settings.timezone
        return f"{at.astimezone(zone):%Y-%m-%d %H:%M}" if at else "-"

    # Steps ---------------------------------------------------------------------------------------
    def action_step(self, step: str) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        listed = self.listed
        if listed is None or step not in listed.actions:
            return
        current = next((c.card_no for c in listed.cards if c.current), "-")
        if step == CardAction.ACTIVATE:
            self.app.push_screen(ActivateCardScreen(current), self._stepped)
            return
        labels = self.app.labels
        question = labels(
            f"cards.confirm.{step}", member_no=listed.member.member_no, card_no=current
        )
        self.app.push_screen(
            ConfirmScreen(question, f"cards.submit.{step}"), partial(self._confirmed, step)
        )

    def _confirmed(self, step: str, yes: bool | None) -> None:
        if yes:
            self.take(CardAction(step))

    @desk_work(exclusive=True, group="card-step")
    def take(self, step: CardAction) -> None:
        app = self.app
        staff, desk, member_no = app.touch_session(), app.usecases.cards, self.member_no
        if step == CardAction.LOST:
            done = desk.report_lost(staff, member_no)
        elif step == CardAction.FOUND:
            done = desk.found(staff, member_no)
        elif step == CardAction.REISSUE:
            done = desk.reissue(staff, member_no)
        else:
            done = desk.replace_damaged(staff, member_no)
        app.call_from_thread(self._stepped, done)

    def _stepped(self, done: CardDone | None) -> None:
        if done is None:
            return
        self.notify(
            self.app.labels(f"cards.done.{done.action}", card_no=done.card_no), markup=False
        )
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


class ActivateCardScreen(WorkbenchModal[CardDone | None]):
    """The phone the customer gives; the use case checks it against the application. A refusal
    is shown under the field and the form stays open; returns what was done, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, card_no: str) -> None:
        super().__init__()
        self.card_no = card_no

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form"):
            yield Label(Text(labels("cards.activate.title", card_no=self.card_no)))
            yield Input(
                placeholder=labels("cards.activate.phone"),
                id="activate-phone",
                restrict=r"[0-9+ -]*",
                max_length=20,
            )
            yield Static("", id="activate-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(labels("cards.activate.submit"), variant="primary", id="modal-submit")
                yield Button(labels("modal.cancel"), id="modal-cancel")

    def on_mount(self) -> None:
        self.query_one("#activate-phone", Input).focus()

    @on(Input.Submitted, "#activate-phone")
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        self.query_one("#activate-phone", Input).remove_class("invalid")
        self.activate(self.query_one("#activate-phone", Input).value)

    @desk_work(exclusive=True, group="activate")
    def activate(self, phone: str) -> None:
        app = self.app
        try:
            done = app.usecases.cards.activate(app.touch_session(), self.card_no, phone)
        except ValidationError as error:  # the form stays open, the reason under it
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._activated, done)

    def _activated(self, done: CardDone) -> None:
        # Not `call_from_thread(self.dismiss, …)`: that would wait for the screen to close,
        # which waits for this worker to end.
        self.dismiss(done)

    def _invalid(self, error: ValidationError) -> None:
        self.query_one("#activate-error", Static).update(
            Text(self.app.labels.error(error), style="red")
        )
        field = self.query_one("#activate-phone", Input)
        field.add_class("invalid")
        field.focus()

    @on(Button.Pressed, "#modal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
