"""Stored goods: a member's lots (Ctrl+A on the profile), with the form to keep a new lot, or
the lots still held at a store (F3 at the counter). Ctrl+S records, Ctrl+G hands the selected
lot over (part or all), F4 shows only overdue lots, F5 reloads. A refusal stays beside the
form with what was typed."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Input, Static

from workbench.errors import InvalidState, LimitExceeded, ValidationError
from workbench.members.models import Role
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import show_invalid
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.goods import HANDLERS, GoodsLine, GoodsList, PickedUp

COLUMNS = ("no", "member", "store", "item", "held", "until", "status", "by")
FIELD_INPUTS = {
    "item": "#goods-item",
    "quantity": "#goods-quantity",
    "pick_up_by": "#goods-until",
    "store": "#goods-store",
}
# Refusals a person corrects in the form (the rest are reported as notifications).
FORM_ERRORS = (ValidationError, LimitExceeded, InvalidState)


class GoodsScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "record", "Record goods"),
        Binding("ctrl+g", "hand_over", "Hand over"),
        Binding("f4", "overdue", "Overdue only"),
        Binding("f5", "reload", "Reload"),
    ]

    def __init__(self, member_no: str | None = None) -> None:
        """`member_no`: that member's lots; None: a store's."""
        super().__init__()
        self.member_no = member_no
        self.overdue_only = False
        self.lines: tuple[GoodsLine, ...] = ()

    @property
    def handles(self) -> bool:
        return Role(self.app.staff.role) in HANDLERS

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something here are offered: recording needs a member, and
        recording or handing over needs a role that handles goods."""
        if action == "record":
            return self.member_no is not None and self.handles
        if action == "hand_over":
            return self.handles
        return True

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with Vertical(id="goods-form"):
            title = (
                labels("goods.title", member_no=self.member_no)
                if self.member_no
                else labels("goods.store_title")
            )
            yield Static(Text(title), id="goods-title")
            if self.member_no is None:
                yield Input(placeholder=labels("goods.store"), id="goods-store")
            elif self.handles:
                yield Input(placeholder=labels("goods.item"), id="goods-item")
                yield Input(placeholder=labels("goods.quantity"), id="goods-quantity")
                yield Input(placeholder=labels("goods.until"), id="goods-until")
            if self.handles:
                yield Input(placeholder=labels("goods.pickup_quantity"), id="goods-pickup")
            else:
                yield Static(Text(labels("goods.view_only")))
            yield Static("", id="goods-error", markup=False)
            yield DataTable(id="goods-table", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        table = self.query_one("#goods-table", DataTable)
        for column in COLUMNS:
            table.add_column(self.app.labels(f"goods.col.{column}"), key=column)
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus()
        self.load()

    # Loading -----------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.load()

    def action_overdue(self) -> None:
        self.overdue_only = not self.overdue_only
        self.load()

    @on(Input.Submitted, "#goods-store")
    def _store_chosen(self) -> None:
        self.load()

    def _store_code(self) -> str | None:
        if self.member_no is not None:
            return None
        return self.query_one("#goods-store", Input).value.strip() or None

    @desk_work(exclusive=True, group="goods-load")
    def load(self) -> None:
        app, store = self.app, None
        staff = app.touch_session()
        if self.member_no is not None:
            listed = app.usecases.goods.of_member(staff, self.member_no)
            if self.overdue_only:
                listed = GoodsList(tuple(g for g in listed.lines if g.overdue), None, False)
        else:
            app.call_from_thread(self._clear_error)
            store = app.call_from_thread(self._store_code)
            try:
                listed = app.usecases.goods.of_store(staff, store, overdue_only=self.overdue_only)
            except ValidationError as error:
                app.call_from_thread(self._invalid, error)
                return
        app.call_from_thread(self._show, listed)

    def _show(self, listed: GoodsList) -> None:
        labels = self.app.labels
        self.lines = listed.lines
        table = self.query_one("#goods-table", DataTable)
        table.clear()
        for line in listed.lines:
            status = "overdue" if line.overdue else line.status
            table.add_row(
                Text(f"#{line.goods_id}"),
                member_text(f"{line.member.member_no} {line.member.masked_name}"),
                Text(line.store_code),
                member_text(line.item),
                Text(f"{line.quantity}/{line.initial_quantity}"),
                Text(line.pick_up_by.isoformat()),
                Text(labels(f"goods.status.{status}")),
                member_text(line.recorded_by),
                key=str(line.goods_id),
            )
        if not listed.lines:
            self.query_one("#goods-error", Static).update(Text(labels("goods.none")))

    # Recording and handing over ----------------------------------------------------------------
    def action_record(self) -> None:
        if self.member_no is None or not self.handles:
            return
        self._clear_error()
        self.record(
            *(
                self.query_one(f"#goods-{name}", Input).value
                for name in ("item", "quantity", "until")
            )
        )

    @desk_work(exclusive=True)
    def record(self, item: str, quantity: str, until: str) -> None:
        app = self.app
        assert self.member_no is not None
        try:
            line = app.usecases.goods.record(
                app.touch_session(), self.member_no, item, quantity, until
            )
        except FORM_ERRORS as error:
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._recorded, line)

    def _recorded(self, line: GoodsLine) -> None:
        self.notify(self.app.labels("goods.recorded", goods_id=line.goods_id), markup=False)
        for selector in ("#goods-item", "#goods-quantity", "#goods-until"):
            self.query_one(selector, Input).value = ""
        self.query_one("#goods-item", Input).focus()
        self.load()

    def action_hand_over(self) -> None:
        if not self.handles:
            return
        self._clear_error()
        table = self.query_one("#goods-table", DataTable)
        if not self.lines or table.cursor_row < 0 or table.cursor_row >= len(self.lines):
            self.query_one("#goods-error", Static).update(Text(self.app.labels("goods.pick_a_lot")))
            return
        goods_id = self.lines[table.cursor_row].goods_id
        self.hand_over(goods_id, self.query_one("#goods-pickup", Input).value)

    @desk_work(exclusive=True)
    def hand_over(self, goods_id: int, quantity: str) -> None:
        app = self.app
        try:
            done = app.usecases.goods.pick_up(app.touch_session(), goods_id, quantity)
        except FORM_ERRORS as error:
            app.call_from_thread(self._invalid, error, True)
            return
        app.call_from_thread(self._handed_over, done)

    def _handed_over(self, done: PickedUp) -> None:
        labels = self.app.labels
        message = labels(
            "goods.picked", goods_id=done.line.goods_id, taken=done.taken, left=done.line.quantity
        )
        self.notify(message, markup=False)
        self.query_one("#goods-pickup", Input).value = ""
        self.load()

    # Errors ------------------------------------------------------------------------------------
    def _clear_error(self) -> None:
        self.query_one("#goods-error", Static).update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")

    def _invalid(self, error: Exception, handing_over: bool = False) -> None:
        if isinstance(error, ValidationError):
            inputs = {f: s for f, s in FIELD_INPUTS.items() if self.query(s)}
            if handing_over:
                inputs = {"quantity": "#goods-pickup"}
            show_invalid(self, error, message="#goods-error", inputs=inputs)
        else:
            self.query_one("#goods-error", Static).update(Text(self.app.labels.error(error)))

    def action_back(self) -> None:
        self.app.pop_screen()
