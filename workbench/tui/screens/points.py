"""Points for the member on the profile (Ctrl+A): redeem against the gift catalogue, credit
activity points by a rule, the ledger with its running balance and expiring lots, and a
supervisor's adjustment. Each form keeps what was typed and shows a refusal under it; a voucher
redemption shows its codes once, in the result line (only their digests are kept)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Header, Input, Select, Static

from workbench.errors import ValidationError, WorkbenchError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.points import (
    ActivityCredited,
    GiftLine,
    MemberLedger,
    RedeemForm,
    Redemption,
    RuleLine,
)
from workbench.usecases.tiers import PointsAdjusted

FORM_CSS = """
{screen} .points-form {{ padding: 0 1; }}
{screen} .points-error {{ color: $error; }}
{screen} .points-result {{ color: $success; }}
"""


class _PointsScreen(WorkbenchScreen[None]):
    """What the member's points screens share: the member, Escape, the error and result lines."""

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no

    def _error(self, text: str) -> None:
        self.query_one(".points-error", Static).update(Text(text))

    def _result(self, text: str) -> None:
        self.query_one(".points-result", Static).update(Text(text))

    def _refused(self, error: WorkbenchError, inputs: dict[str, str]) -> None:
        self._result("")
        if isinstance(error, ValidationError):
            show_invalid(self, error, message=".points-error", inputs=inputs)
        else:
            self._error(self.app.labels.error(error))

    def _clear_marks(self) -> None:
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        self._error("")

    def action_back(self) -> None:
        self.app.pop_screen()


def gift_option(line: GiftLine, language: str, labels_stock: str) -> Text:
    stock = labels_stock if line.stock is None else str(line.stock)
    return Text(f"{line.code} · {line.label(language)} · {line.points} · {stock}")


# Redeeming -------------------------------------------------------------------------------------
REDEEM_INPUTS = {"quantity": "#redeem-quantity", "reward": "#redeem-gift"}


class RedeemScreen(_PointsScreen):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "submit", "Redeem points")]
    DEFAULT_CSS = FORM_CSS.format(screen="RedeemScreen")

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(classes="points-form"):
            yield Static(
                Text(labels("points.redeem_title", member=self.member_no)), id="redeem-title"
            )
            yield Input(value="1", placeholder=labels("points.quantity"), id="redeem-quantity")
            yield Select([], prompt=labels("points.choose_gift"), id="redeem-gift")
            yield Static("", classes="points-error", markup=False)
            yield Static("", classes="points-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#redeem-quantity", Input).focus()
        self.load()

    @desk_work(exclusive=True, group="redeem-load")
    def load(self) -> None:
        app = self.app
        form = app.usecases.points.redeem_form(app.touch_session(), self.member_no)
        app.call_from_thread(self._show, form)

    def _show(self, form: RedeemForm) -> None:
        labels = self.app.labels
        member = f"{form.member.member_no} {form.member.masked_name}"
        self.query_one("#redeem-title", Static).update(
            Text(labels("points.redeem_for", member=member, spendable=form.spendable))
        )
        select = self.query_one("#redeem-gift", Select)
        unlimited = labels("points.unlimited")
        select.set_options(
            [(gift_option(g, labels.language, unlimited), g.code) for g in form.gifts]
        )

    def action_submit(self) -> None:
        self._clear_marks()
        labels = self.app.labels
        try:
            quantity = int(self.query_one("#redeem-quantity", Input).value.strip())
        except ValueError:
            error = ValidationError("quantity", labels("points.quantity_whole"))
            show_invalid(self, error, message=".points-error", inputs=REDEEM_INPUTS)
            return
        gift = chosen(self.query_one("#redeem-gift", Select))
        if gift is None:
            error = ValidationError("reward", labels("points.gift_needed"))
            show_invalid(self, error, message=".points-error", inputs=REDEEM_INPUTS)
            return
        from workbench.tui.screens.actions import ConfirmScreen

        # Points spent are not given back: asked first.
        question = labels(
            "points.confirm_redeem", gift=str(gift), quantity=quantity, member_no=self.member_no
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.redeem(str(gift), quantity)

        self.app.push_screen(ConfirmScreen(question, "points.confirm_redeem_submit"), confirmed)

    @desk_work(exclusive=True, group="redeem")
    def redeem(self, gift: str, quantity: int) -> None:
        app = self.app
        try:
            done = app.usecases.points.redeem(app.touch_session(), self.member_no, gift, quantity)
        except WorkbenchError as error:  # under the form, which keeps what was typed
            app.call_from_thread(self._refused, error, REDEEM_INPUTS)
            return
        app.call_from_thread(self._redeemed, done)

    def _redeemed(self, done: Redemption) -> None:
        labels = self.app.labels
        text = labels(
            "points.redeemed",
            quantity=done.quantity,
            gift=done.gift.label(labels.language),
            points=done.points,
            balance=done.balance,
        )
        if done.voucher_codes:
            text += "\n" + labels("points.voucher_codes", codes="  ".join(done.voucher_codes))
        self._result(text)
        self.notify(labels("points.redeemed_toast", member=done.member.member_no), markup=False)
        self.query_one("#redeem-quantity", Input).value = "1"
        self.load()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()


# Activity credits ------------------------------------------------------------------------------
class CreditActivityScreen(_PointsScreen):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "submit", "Credit points")]
    DEFAULT_CSS = FORM_CSS.format(screen="CreditActivityScreen")

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(classes="points-form"):
            yield Static(Text(labels("points.credit_title", member=self.member_no)))
            yield Select([], prompt=labels("points.choose_rule"), id="credit-rule")
            yield Static("", classes="points-error", markup=False)
            yield Static("", classes="points-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#credit-rule", Select).focus()  # the form has no text field
        self.load()

    @desk_work(exclusive=True, group="credit-load")
    def load(self) -> None:
        app = self.app
        rules = app.usecases.points.activity_rules(app.touch_session())
        app.call_from_thread(self._show, rules)

    def _show(self, rules: tuple[RuleLine, ...]) -> None:
        labels = self.app.labels
        options = [
            (
                Text(
                    labels(
                        "points.rule_option",
                        label=r.label(labels.language),
                        points=r.points,
                        daily=r.daily_max,
                    )
                ),
                r.code,
            )
            for r in rules
        ]
        self.query_one("#credit-rule", Select).set_options(options)

    def action_submit(self) -> None:
        self._clear_marks()
        rule = chosen(self.query_one("#credit-rule", Select))
        if rule is None:
            error = ValidationError("rule", self.app.labels("points.rule_needed"))
            show_invalid(self, error, message=".points-error", inputs={"rule": "#credit-rule"})
            return
        self.credit(str(rule))

    @desk_work(exclusive=True, group="credit")
    def credit(self, rule: str) -> None:
        app = self.app
        try:
            done = app.usecases.points.credit_activity(app.touch_session(), self.member_no, rule)
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error, {"rule": "#credit-rule"})
            return
        app.call_from_thread(self._credited, done)

    def _credited(self, done: ActivityCredited) -> None:
        labels = self.app.labels
        self._result(
            labels(
                "points.credited",
                points=done.points,
                rule=done.rule.label(labels.language),
                balance=done.balance,
            )
        )


# The ledger ------------------------------------------------------------------------------------
class LedgerScreen(_PointsScreen):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("f5", "reload", "Reload")]
    DEFAULT_CSS = FORM_CSS.format(screen="LedgerScreen")
    COLUMNS = ("when", "kind", "points", "balance", "detail", "staff", "expires")

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(classes="points-form"):
            yield Static(
                Text(labels("points.ledger_title", member=self.member_no)), id="ledger-title"
            )
            yield DataTable(id="ledger-lines", cursor_type="row", zebra_stripes=True)
            yield Static("", id="ledger-lots", markup=False)
            yield Static("", classes="points-error", markup=False)
            yield Static("", classes="points-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        labels = self.app.labels
        table.add_columns(*(labels(f"points.col.{c}") for c in self.COLUMNS))
        table.focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="ledger")
    def load(self) -> None:
        app = self.app
        ledger = app.usecases.points.member_ledger(app.touch_session(), self.member_no)
        app.call_from_thread(self._show, ledger)

    def _show(self, ledger: MemberLedger) -> None:
        labels = self.app.labels
        zone = self.app.wb.settings.timezone
        member = f"{ledger.member.member_no} {ledger.member.masked_name}"
        summary = labels(
            "points.ledger_summary",
            member=member,
            shown=len(ledger.lines),
            total=ledger.total_lines,
            balance=ledger.stored_balance,
            spendable=ledger.spendable,
        )
        if ledger.lapsed_unrecorded:
            summary += labels("points.lapsed", points=ledger.lapsed_unrecorded)
        self.query_one("#ledger-title", Static).update(Text(summary))
        table = self.query_one(DataTable)
        table.clear()
        for line in ledger.lines:
            table.add_row(
                line.when.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                labels(f"points.kind.{line.kind}"),
                f"{line.points:+d}",
                str(line.running_balance),
                member_text(line.detail),  # a reason someone typed: data, never control
                member_text(line.staff),
                "-" if line.expires_at is None else f"{line.expires_at.astimezone(zone):%Y-%m-%d}",
            )
        lots = [
            labels(
                "points.lot", points=lot.points, when=f"{lot.expires_at.astimezone(zone):%Y-%m-%d}"
            )
            for lot in ledger.lots
        ]
        self.query_one("#ledger-lots", Static).update(
            Text("\n".join(lots) if lots else labels("points.no_lots"))
        )


# A supervisor's adjustment ---------------------------------------------------------------------
ADJUST_INPUTS = {"points": "#adjust-points", "reason": "#adjust-reason"}


class AdjustPointsScreen(_PointsScreen):
    BINDINGS = [Binding("escape", "back", "Back"), Binding("ctrl+s", "submit", "Adjust points")]
    DEFAULT_CSS = FORM_CSS.format(screen="AdjustPointsScreen")

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(classes="points-form"):
            yield Static(
                Text(labels("points.adjust_title", member=self.member_no)), id="adjust-title"
            )
            yield Input(placeholder=labels("points.adjust_points"), id="adjust-points")
            yield Input(placeholder=labels("points.adjust_reason"), id="adjust-reason")
            yield Static("", classes="points-error", markup=False)
            yield Static("", classes="points-result", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#adjust-points", Input).focus()

    def action_submit(self) -> None:
        self._clear_marks()
        labels = self.app.labels
        try:
            points = int(self.query_one("#adjust-points", Input).value.strip())
        except ValueError:
            error = ValidationError("points", labels("points.adjust_whole"))
            show_invalid(self, error, message=".points-error", inputs=ADJUST_INPUTS)
            return
        reason = self.query_one("#adjust-reason", Input).value.strip()
        if points >= 0:
            self.adjust(points, reason)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.adjust(points, reason)

        question = labels("points.adjust_confirm", points=-points, member=self.member_no)
        self.app.push_screen(ConfirmScreen(question), confirmed)

    @desk_work(exclusive=True, group="adjust")
    def adjust(self, points: int, reason: str) -> None:
        app = self.app
        try:
            done = app.usecases.tiers.adjust_points(
                app.touch_session(), self.member_no, points, reason
            )
        except WorkbenchError as error:
            app.call_from_thread(self._refused, error, ADJUST_INPUTS)
            return
        app.call_from_thread(self._adjusted, done)

    def _adjusted(self, done: PointsAdjusted) -> None:
        labels = self.app.labels
        self._result(labels("points.adjusted", points=f"{done.points:+d}", balance=done.balance))
        for selector in ADJUST_INPUTS.values():
            self.query_one(selector, Input).value = ""
        self.query_one("#adjust-points", Input).focus()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()
