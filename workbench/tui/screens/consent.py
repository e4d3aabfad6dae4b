"""A member's consents (Ctrl+A on the profile): what holds now for each kind of sharing and
marketing channel, and every record. Choose the kind and how the member said it, then Ctrl+S
records it given or Ctrl+W withdrawn (after a confirmation that starts on Cancel)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Header, Select, Static

from workbench.errors import ValidationError
from workbench.members.consent import STAFF_METHODS, ConsentKind
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work
from workbench.usecases.consent import ConsentSheet

FIELD_INPUTS = {"kind": "#consent-kind", "how": "#consent-how"}


class ConsentScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "give", "Give consent"),
        Binding("ctrl+w", "withdraw", "Withdraw consent"),
        Binding("f5", "reload", "Reload"),
    ]

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with Vertical(id="consent-form"):
            yield Static(Text(labels("consent.title", member_no=self.member_no)))
            yield Select(
                [(Text(labels(f"consent.kind.{k.value}")), k.value) for k in ConsentKind],
                prompt=labels("consent.kind"),
                id="consent-kind",
            )
            yield Select(
                [(Text(labels(f"consent.how.{m.value}")), m.value) for m in STAFF_METHODS],
                prompt=labels("consent.how"),
                id="consent-how",
            )
            yield Static("", id="consent-error", markup=False)
            yield Static(Text(labels("consent.now")))
            yield DataTable(id="consent-now", cursor_type="row")
            yield Static(Text(labels("consent.history")))
            yield DataTable(id="consent-history", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        labels = self.app.labels
        now = self.query_one("#consent-now", DataTable)
        for column in ("kind", "state", "since", "how", "by"):
            now.add_column(labels(f"consent.col.{column}"), key=column)
        history = self.query_one("#consent-history", DataTable)
        for column in ("when", "kind", "state", "how", "by"):
            history.add_column(labels(f"consent.col.{column}"), key=column)
        self.query_one("#consent-kind", Select).focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="consent-load")
    def load(self) -> None:
        app = self.app
        sheet = app.usecases.consent.show(app.touch_session(), self.member_no)
        app.call_from_thread(self._show, sheet)

    def _show(self, sheet: ConsentSheet) -> None:
        labels, zone = self.app.labels, self.app.wb.settings.timezone

        def when(at: object) -> str:
            from datetime import datetime

            assert isinstance(at, datetime)
            return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")

        now = self.query_one("#consent-now", DataTable)
        now.clear()
        for s in sheet.states:
            now.add_row(
                Text(labels(f"consent.kind.{s.kind}")),
                Text(labels("consent.given" if s.given else "consent.not_given")),
                Text(when(s.since) if s.since else labels("consent.before_records")),
                Text(labels(f"consent.how.{s.method}") if s.method else "—"),
                member_text(s.recorded_by),
                key=s.kind,
            )
        history = self.query_one("#consent-history", DataTable)
        history.clear()
        for h in sheet.history:
            history.add_row(
                Text(when(h.recorded_at)),
                Text(labels(f"consent.kind.{h.kind}")),
                Text(labels("consent.given" if h.given else "consent.withdrawn")),
                Text(labels(f"consent.how.{h.method}")),
                member_text(h.recorded_by),
            )

    # Recording ---------------------------------------------------------------------------------
    def _choice(self) -> tuple[str, str] | None:
        self.query_one("#consent-error", Static).update("")
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        kind = chosen(self.query_one("#consent-kind", Select))
        how = chosen(self.query_one("#consent-how", Select))
        if kind is None or how is None:
            field = "kind" if kind is None else "how"
            self._invalid(ValidationError(field, self.app.labels("consent.choose")))
            return None
        return str(kind), str(how)

    def action_give(self) -> None:
        choice = self._choice()
        if choice is not None:
            self.record(*choice, True)

    def action_withdraw(self) -> None:
        from workbench.tui.screens.actions import ConfirmScreen

        choice = self._choice()
        if choice is None:
            return
        labels = self.app.labels
        question = labels(
            "consent.confirm_withdraw",
            member_no=self.member_no,
            kind=labels(f"consent.kind.{choice[0]}"),
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.record(*choice, False)

        self.app.push_screen(ConfirmScreen(question, "consent.withdraw_submit"), confirmed)

    @desk_work(exclusive=True)
    def record(self, kind: str, how: str, given: bool) -> None:
        app = self.app
        desk = app.usecases.consent
        try:
            staff = app.touch_session()
            if given:
                sheet = desk.give(staff, self.member_no, kind, how)
            else:
                sheet = desk.withdraw(staff, self.member_no, kind, how)
        except ValidationError as error:
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._recorded, sheet)

    def _recorded(self, sheet: ConsentSheet) -> None:
        self.notify(self.app.labels("consent.saved"), markup=False)
        self._show(sheet)

    def _invalid(self, error: ValidationError) -> None:
        show_invalid(self, error, message="#consent-error", inputs=FIELD_INPUTS)

    def action_back(self) -> None:
        self.app.pop_screen()
