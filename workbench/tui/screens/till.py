"""A store's till (F3 → Till): record a purchase by card or member number with its receipt, or,
on the Return tab, a return of (part of) a purchase by its receipt with the return slip's own
number. The result line says the points earned or taken back and the balance after; a refusal
is shown under the form, which keeps what was typed. Staff of no store choose the store."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Header, Input, Select, Static, TabbedContent, TabPane

from workbench.errors import NotFound, ValidationError, WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.till import PurchaseRecorded, ReturnRecorded, TillStores

# The inputs of each tab, in order; a refusal naming a field puts the cursor on its input.
PURCHASE_INPUTS = {
    "reference": "#till-member",
    "amount": "#till-amount",
    "receipt": "#till-receipt",
    "store": "#till-store",
}
RETURN_INPUTS = {
    "receipt": "#till-return-receipt",
    "amount": "#till-return-amount",
    "return_ref": "#till-return-ref",
    "store": "#till-store",
}
PLACEHOLDERS = {
    "#till-member": "till.member",
    "#till-amount": "till.amount",
    "#till-receipt": "till.receipt",
    "#till-return-receipt": "till.return_receipt",
    "#till-return-amount": "till.return_amount",
    "#till-return-ref": "till.return_ref",
}


class TillScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "submit", "Record at till"),
        Binding("f2", "mode('purchase')", "Till sale"),
        Binding("f4", "mode('return')", "Till return"),
    ]
    DEFAULT_CSS = """
    TillScreen #till-form { padding: 0 1; }
    TillScreen #till-error { color: $error; }
    TillScreen #till-result { color: $success; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.stores: TillStores | None = None

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="till-form"):
            yield Static(Text(labels("till.title")), id="till-title")
            yield Select([], prompt=labels("till.store"), id="till-store")
            with TabbedContent(id="till-tabs", initial="till-purchase"):
                with TabPane(labels("till.tab_purchase"), id="till-purchase"):
                    for selector in ("#till-member", "#till-amount", "#till-receipt"):
                        yield Input(placeholder=labels(PLACEHOLDERS[selector]), id=selector[1:])
                with TabPane(labels("till.tab_return"), id="till-return"):
                    for selector in (
                        "#till-return-receipt",
                        "#till-return-amount",
                        "#till-return-ref",
                    ):
                        yield Input(placeholder=labels(PLACEHOLDERS[selector]), id=selector[1:])
            yield Static("", id="till-error", markup=False)
            yield Static("", id="till-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#till-member", Input).focus()
        self.load_stores()

    def relabel(self) -> None:
        labels = self.app.labels
        self.query_one("#till-title", Static).update(Text(self._title()))
        for selector, key in PLACEHOLDERS.items():
            self.query_one(selector, Input).placeholder = labels(key)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("till-purchase").label = Text(labels("till.tab_purchase"))
        tabs.get_tab("till-return").label = Text(labels("till.tab_return"))

    def _title(self) -> str:
        labels = self.app.labels
        own = self.stores.own if self.stores is not None else None
        return labels("till.title_at", store=own) if own else labels("till.title")

    # The store ---------------------------------------------------------------------------------
    @desk_work
    def load_stores(self) -> None:
        app = self.app
        stores = app.usecases.till.stores(app.touch_session())
        app.call_from_thread(self._show_stores, stores)

    def _show_stores(self, stores: TillStores) -> None:
        self.stores = stores
        select = self.query_one("#till-store", Select)
        select.set_options([(Text(f"{s.code} {s.name}"), s.code) for s in stores.stores])
        if stores.own is not None:  # staff of a store record at theirs: nothing to choose
            select.value = stores.own
            select.display = False
        self.query_one("#till-title", Static).update(Text(self._title()))

    # Modes -------------------------------------------------------------------------------------
    def action_mode(self, mode: str) -> None:
        self.query_one(TabbedContent).active = f"till-{mode}"
        first = "#till-member" if mode == "purchase" else "#till-return-receipt"
        self.query_one(first, Input).focus()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.query_one("#till-error", Static).update("")

    # Recording ---------------------------------------------------------------------------------
    def action_submit(self) -> None:
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        self.query_one("#till-error", Static).update("")
        store = chosen(self.query_one("#till-store", Select))
        store_code = None if store is None else str(store)
        if self.query_one(TabbedContent).active == "till-return":
            self.record_return(
                self._value("#till-return-receipt"),
                self._value("#till-return-amount"),
                self._value("#till-return-ref"),
                store_code,
            )
        else:
            self.record_purchase(
                self._value("#till-member"),
                self._value("#till-amount"),
                self._value("#till-receipt"),
                store_code,
            )

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    @desk_work(exclusive=True, group="till")
    def record_purchase(
        self, reference: str, amount: str, receipt: str, store_code: str | None
    ) -> None:
        app = self.app
        try:
            done = app.usecases.till.record_purchase(
                app.touch_session(), reference, amount, receipt, store_code
            )
        except WorkbenchError as error:  # shown under the form, which keeps what was typed
            app.call_from_thread(self._refused, error, PURCHASE_INPUTS, "#till-member")
            return
        app.call_from_thread(self._purchased, done)

    @desk_work(exclusive=True, group="till")
    def record_return(
        self, receipt: str, amount: str, return_ref: str, store_code: str | None
    ) -> None:
        app = self.app
        try:
            done = app.usecases.till.record_return(
                app.touch_session(), receipt, amount, return_ref, store_code
            )
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error, RETURN_INPUTS, "#till-return-receipt")
            return
        app.call_from_thread(self._returned, done)

    def _refused(self, error: WorkbenchError, inputs: dict[str, str], lookup: str) -> None:
        if isinstance(error, ValidationError):
            show_invalid(self, error, message="#till-error", inputs=inputs)
            return
        self.query_one("#till-error", Static).update(Text(self.app.labels.error(error)))
        if isinstance(error, NotFound):  # the member or receipt named: its input
            widget = self.query_one(lookup, Input)
            widget.add_class("invalid")
            widget.focus()

    def _purchased(self, done: PurchaseRecorded) -> None:
        labels = self.app.labels
        key = "till.purchase_repeated" if done.repeated else "till.purchase_done"
        self._result(
            labels(
                key,
                member=f"{done.member.member_no} {done.member.masked_name}",
                receipt=done.receipt,
                store=done.store_code,
                amount=done.amount,
                points=done.points_earned,
                balance=done.balance,
            ),
            ("#till-member", "#till-amount", "#till-receipt"),
        )

    def _returned(self, done: ReturnRecorded) -> None:
        labels = self.app.labels
        text = labels(
            "till.return_repeated" if done.repeated else "till.return_done",
            member=f"{done.member.member_no} {done.member.masked_name}",
            ref=done.return_ref,
            receipt=done.receipt,
            amount=done.amount,
            returned=done.returned_total,
            total=done.purchase_amount,
            points=done.points_reversed,
            balance=done.balance,
        )
        if done.points_shortfall:
            text += labels("till.shortfall", points=done.points_shortfall)
        self._result(text, ("#till-return-receipt", "#till-return-amount", "#till-return-ref"))

    def _result(self, text: str, inputs: tuple[str, ...]) -> None:
        """The result line; the form is cleared for the next customer."""
        self.query_one("#till-result", Static).update(member_text(text, multiline=True))
        for selector in inputs:
            self.query_one(selector, Input).value = ""
        self.query_one(inputs[0], Input).focus()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_back(self) -> None:
        self.app.pop_screen()
