"""The gift catalogue (F3 → Gift catalogue): everyone at a counter sees the items, their price,
stock, lowest tier and limits; supervisors and administrators also import config/rewards.toml
(F6), add an item (Ctrl+N), change the stock of the item under the cursor (Ctrl+K) and
retire it (Ctrl+R, confirmed; Cancel is focused). Other roles are not offered those keys."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Header, Input, Select, Static

from workbench.errors import ValidationError, WorkbenchError
from workbench.members.gift_config import GiftKind, Reward
from workbench.members.models import Role
from workbench.tui.base import WorkbenchModal, WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.work import desk_work
from workbench.usecases.points import CatalogueImport, GiftLine

MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
MANAGING = {"import_gifts", "add_gift", "stock", "retire"}


class GiftCatalogueScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("f6", "import_gifts", "Import gifts"),
        Binding("ctrl+n", "add_gift", "Add gift"),
        Binding("ctrl+k", "stock", "Gift stock"),
        Binding("ctrl+r", "retire", "Retire gift"),
    ]
    DEFAULT_CSS = """
    GiftCatalogueScreen #gifts-status { color: $success; padding: 0 1; }
    GiftCatalogueScreen #gifts-error { color: $error; padding: 0 1; }
    """
    COLUMNS = ("code", "label", "kind", "points", "stock", "tier", "daily", "total")

    def __init__(self) -> None:
        super().__init__()
        self.gifts: tuple[GiftLine, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.app.labels("points.catalogue_title")), id="gifts-title")
        yield DataTable(id="gifts-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="gifts-error", markup=False)
        yield Static("", id="gifts-status", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        labels = self.app.labels
        table = self.query_one(DataTable)
        table.add_columns(*(labels(f"points.gcol.{c}") for c in self.COLUMNS))
        table.focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Not offered to other roles: only supervisors and administrators manage it.
        return action not in MANAGING or self.app.staff.role in MANAGERS

    @desk_work(exclusive=True, group="gifts")
    def load(self) -> None:
        app = self.app
        gifts = app.usecases.points.gifts(app.touch_session())
        app.call_from_thread(self._show, gifts)

    def _show(self, gifts: tuple[GiftLine, ...]) -> None:
        self.gifts = gifts
        labels = self.app.labels
        table = self.query_one(DataTable)
        table.clear()

        def limit(value: int | None) -> str:
            return "-" if value is None else str(value)

        for g in gifts:
            table.add_row(
                Text(g.code),
                Text(g.label(labels.language)),
                labels(f"points.gift_kind.{g.kind}"),
                str(g.points),
                labels("points.unlimited") if g.stock is None else str(g.stock),
                (
                    self.app.wb.scheme.get(g.min_tier).label(labels.language)
                    if g.min_tier
                    else labels("points.all_tiers")
                ),
                limit(g.daily_limit),
                limit(g.total_limit),
                key=g.code,
            )

    def _current(self) -> GiftLine | None:
        table = self.query_one(DataTable)
        if not self.gifts or table.cursor_row < 0 or table.cursor_row >= len(self.gifts):
            return None
        return self.gifts[table.cursor_row]

    def _say(self, status: str = "", error: str = "") -> None:
        self.query_one("#gifts-status", Static).update(Text(status))
        self.query_one("#gifts-error", Static).update(Text(error))

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()

    # Managing ----------------------------------------------------------------------------------
    def action_import_gifts(self) -> None:
        self.import_gifts()

    @desk_work(exclusive=True, group="gifts-change")
    def import_gifts(self) -> None:
        app = self.app
        try:
            done = app.usecases.points.import_gifts(app.touch_session())
        except WorkbenchError as error:
            app.call_from_thread(self._say, "", app.labels.error(error))
            return
        app.call_from_thread(self._imported, done)

    def _imported(self, done: CatalogueImport) -> None:
        labels = self.app.labels
        self._say(labels("points.imported", added=done.added, updated=done.updated))
        self.load()

    def action_add_gift(self) -> None:
        def added(line: GiftLine | None) -> None:
            if line is not None:
                self._say(self.app.labels("points.gift_added", code=line.code))
                self.load()

        self.app.push_screen(AddGiftScreen(), added)

    def action_stock(self) -> None:
        line = self._current()
        if line is None:
            return

        def changed(now: GiftLine | None) -> None:
            if now is not None:
                self._changed(self.app.labels("points.stock_now", code=now.code, stock=now.stock))

        self.app.push_screen(StockScreen(line), changed)

    def action_retire(self) -> None:
        line = self._current()
        if line is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.retire(line.code)

        question = self.app.labels("points.retire_confirm", code=line.code)
        self.app.push_screen(ConfirmScreen(question), confirmed)

    @desk_work(exclusive=True, group="gifts-change")
    def retire(self, code: str) -> None:
        app = self.app
        try:
            line = app.usecases.points.retire(app.touch_session(), code)
        except WorkbenchError as error:
            app.call_from_thread(self._say, "", app.labels.error(error))
            return
        app.call_from_thread(self._changed, app.labels("points.retired", code=line.code))

    def _changed(self, text: str) -> None:
        self._say(text)
        self.load()


STOCK_INPUTS = {"stock": "#stock-change"}


class StockScreen(WorkbenchModal[GiftLine]):
    """Units to add (+N) or take (-N); returns the item as it now stands, or None. A refusal
    (more taken than is in stock) stays under the input with what was typed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, line: GiftLine) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form"):
            yield Static(
                Text(labels("points.stock_title", code=self.line.code, stock=self.line.stock))
            )
            yield Input(placeholder=labels("points.stock_change"), id="stock-change")
            yield Static("", id="stock-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        try:
            units = int(self.query_one(Input).value.strip())
        except ValueError:
            error = ValidationError("stock", self.app.labels("points.stock_whole"))
            show_invalid(self, error, message="#stock-error", inputs=STOCK_INPUTS)
            return
        self.restock(units)

    @desk_work(exclusive=True, group="stock-change")
    def restock(self, units: int) -> None:
        app = self.app
        try:
            line = app.usecases.points.restock(app.touch_session(), self.line.code, units)
        except WorkbenchError as error:  # under the input, which keeps what was typed
            app.call_from_thread(self._refused, error)
            return
        app.call_from_thread(self.dismiss, line)

    def _refused(self, error: WorkbenchError) -> None:
        if isinstance(error, ValidationError):
            show_invalid(self, error, message="#stock-error", inputs=STOCK_INPUTS)
        else:
            self.query_one("#stock-error", Static).update(Text(self.app.labels.error(error)))

    def action_cancel(self) -> None:
        self.dismiss(None)


ADD_INPUTS = {
    "code": "#gift-code",
    "label": "#gift-label-zh",
    "points": "#gift-points",
    "stock": "#gift-stock",
    "min_tier": "#gift-tier",
    "daily_limit": "#gift-daily",
    "total_limit": "#gift-total",
}


class AddGiftScreen(WorkbenchModal[GiftLine]):
    """A new catalogue item; Ctrl+S adds it (the form stays open with a refusal)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Add gift")]

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with VerticalScroll(classes="modal-form"):
            yield Static(Text(labels("points.add_title")))
            for selector, key in (
                ("#gift-code", "points.f.code"),
                ("#gift-label-zh", "points.f.label_zh"),
                ("#gift-label-en", "points.f.label_en"),
                ("#gift-points", "points.f.points"),
                ("#gift-stock", "points.f.stock"),
                ("#gift-tier", "points.f.min_tier"),
                ("#gift-daily", "points.f.daily_limit"),
                ("#gift-total", "points.f.total_limit"),
            ):
                yield Input(placeholder=labels(key), id=selector[1:])
            yield Select(
                [(labels(f"points.gift_kind.{k.value}"), k.value) for k in GiftKind],
                value=GiftKind.GIFT.value,
                allow_blank=False,
                id="gift-kind",
            )
            yield Static("", id="gift-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#gift-code", Input).focus()

    def _text(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def _number(self, selector: str, field: str) -> int | None:
        text = self._text(selector)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValidationError(field, self.app.labels("points.whole_number")) from None

    def action_submit(self) -> None:
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        try:
            reward = Reward(
                code=self._text("#gift-code"),
                label_zh=self._text("#gift-label-zh"),
                label_en=self._text("#gift-label-en"),
                points=self._number("#gift-points", "points") or 0,
                kind=GiftKind(str(chosen(self.query_one("#gift-kind", Select)))),
                stock=self._number("#gift-stock", "stock"),
                min_tier=self._text("#gift-tier") or None,
                daily_limit=self._number("#gift-daily", "daily_limit"),
                total_limit=self._number("#gift-total", "total_limit"),
            )
        except ValidationError as error:
            show_invalid(self, error, message="#gift-error", inputs=ADD_INPUTS)
            return
        self.add(reward)

    @desk_work(exclusive=True, group="gift-add")
    def add(self, reward: Reward) -> None:
        app = self.app
        try:
            line = app.usecases.points.add_gift(app.touch_session(), reward)
        except ValidationError as error:
            app.call_from_thread(
                show_invalid, self, error, message="#gift-error", inputs=ADD_INPUTS
            )
            return
        app.call_from_thread(self.dismiss, line)

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)
