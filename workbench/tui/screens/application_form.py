"""The membership application at the store (sales staff, store managers), and the submitter's
returned applications: a returned one opens the same form to correct and resubmit it, its
fields shown masked as placeholders (an empty field keeps what was submitted).

A validation error keeps the form open with what was typed, the message under the form and the
cursor on the field it names (issue 17)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, DataTable, Header, Input, Select, Static

from workbench.errors import ValidationError, WorkbenchError
from workbench.members.models import Channel
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.applications import (
    ApplicationChanges,
    ApplicationForm,
    ApplicationInput,
    ReturnedApplication,
    ReturnedLine,
    Submitted,
)

# Text inputs in form order: (field, label key); the widget id is "app-<field>".
TEXT_FIELDS = (
    ("name", "applications.name"),
    ("phone", "applications.phone"),
    ("id_number", "applications.id_number"),
    ("birthday", "applications.birthday"),
    ("email", "applications.email"),
    ("address", "applications.address"),
    ("referrer", "applications.referrer"),
    ("purchase_amount", "applications.purchase_amount"),
    ("purchase_receipt", "applications.purchase_receipt"),
)
FIELD_INPUTS = {field: f"#app-{field}" for field, _ in TEXT_FIELDS} | {
    "gender": "#app-gender",
    "channel": "#app-channel",
    "store_code": "#app-store",
    "store": "#app-store",
}


class ApplicationFormScreen(WorkbenchScreen[None]):
    """A new application, or (`member_no`) the correction of a returned one."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("ctrl+s", "submit", "Send application"),
    ]

    def __init__(self, member_no: str | None = None) -> None:
        super().__init__()
        self.member_no = member_no

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        with VerticalScroll(id="application-form"):
            title = (
                labels("applications.title_fix", member_no=self.member_no)
                if self.member_no
                else labels("applications.title_new")
            )
            yield Static(Text(title), id="application-title")
            yield Static("", id="application-reason", markup=False)
            yield Static("", id="application-threshold", markup=False)
            for field, label in TEXT_FIELDS:
                if field == "referrer" and self.member_no:
                    continue  # the referrer is set at the first submission
                yield Input(placeholder=labels(label), id=f"app-{field}")
            yield Select(
                [(labels("applications.gender_m"), "M"), (labels("applications.gender_f"), "F")],
                prompt=labels("applications.gender"),
                id="app-gender",
            )
            yield Select([], prompt=labels("applications.channel"), id="app-channel")
            if not self.member_no:
                yield Select([], prompt=labels("applications.store"), id="app-store")
                # Opt-in: unticked unless the applicant says yes.
                yield Checkbox(labels("applications.marketing"), id="app-marketing")
            yield Static("", id="application-error", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#app-name", Input).focus()
        self.load()

    @desk_work(exclusive=True)
    def load(self) -> None:
        app = self.app
        staff = app.touch_session()
        form = app.usecases.applications.form(staff)
        returned = None
        if self.member_no:
            returned = app.usecases.applications.returned_application(staff, self.member_no)
        app.call_from_thread(self._show, form, returned)

    def _show(self, form: ApplicationForm, returned: ReturnedApplication | None) -> None:
        labels = self.app.labels
        channels = tuple(c.value for c in Channel) if returned else form.channels
        channel = self.query_one("#app-channel", Select)
        channel.set_options([(labels(f"applications.channel.{c}"), c) for c in channels])
        channel.value = returned.channel if returned else Channel.STORE.value
        if not returned:
            store = self.query_one("#app-store", Select)
            store.set_options([(Text(f"{s.code} {s.name}"), s.code) for s in form.stores])
            if form.own_store is not None:
                store.value = form.own_store
        threshold = self.query_one("#application-threshold", Static)
        threshold.display = form.join_threshold is not None
        if form.join_threshold is not None:
            threshold.update(Text(labels("applications.threshold", amount=form.join_threshold)))
        reason = self.query_one("#application-reason", Static)
        reason.display = returned is not None
        if returned is not None:
            reason.update(Text(labels("applications.returned_reason", reason=returned.reason)))
            for field, label in TEXT_FIELDS:
                if field in returned.masked and returned.masked[field]:
                    widget = self.query_one(f"#app-{field}", Input)
                    widget.placeholder = f"{labels(label)}: {returned.masked[field]}"
            self.query_one("#app-purchase_amount", Input).value = returned.purchase_amount or ""
            self.query_one("#app-purchase_receipt", Input).value = returned.purchase_receipt or ""

    def _value(self, field: str) -> str:
        return self.query_one(f"#app-{field}", Input).value.strip()

    def action_submit(self) -> None:
        for widget in self.query(".invalid"):
            widget.remove_class("invalid")
        self.query_one("#application-error", Static).update("")
        gender = chosen(self.query_one("#app-gender", Select))
        channel = chosen(self.query_one("#app-channel", Select))
        if self.member_no:
            self.resubmit(
                ApplicationChanges(
                    name=self._value("name") or None,
                    phone=self._value("phone") or None,
                    id_number=self._value("id_number") or None,
                    gender=str(gender) if gender else None,
                    birthday=self._value("birthday") or None,
                    email=self._value("email") or None,
                    address=self._value("address") or None,
                    channel=str(channel) if channel else None,
                    purchase_amount=self._value("purchase_amount") or None,
                    purchase_receipt=self._value("purchase_receipt") or None,
                )
            )
            return
        store = chosen(self.query_one("#app-store", Select))
        self.submit(
            ApplicationInput(
                name=self._value("name"),
                phone=self._value("phone"),
                id_number=self._value("id_number"),
                gender=str(gender) if gender else None,
                birthday=self._value("birthday") or None,
                email=self._value("email") or None,
                address=self._value("address") or None,
                channel=str(channel) if channel else Channel.STORE.value,
                referrer=self._value("referrer") or None,
                store_code=str(store) if store else None,
                purchase_amount=self._value("purchase_amount") or None,
                purchase_receipt=self._value("purchase_receipt") or None,
                consent_marketing=self.query_one("#app-marketing", Checkbox).value,
            )
        )

    @desk_work(exclusive=True, group="application-send")
    def submit(self, given: ApplicationInput) -> None:
        app = self.app
        try:
            submitted = app.usecases.applications.submit(app.touch_session(), given)
        except WorkbenchError as error:  # the form stays open with its input
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._sent, submitted, "applications.submitted")

    @desk_work(exclusive=True, group="application-send")
    def resubmit(self, changes: ApplicationChanges) -> None:
        app = self.app
        assert self.member_no is not None
        try:
            submitted = app.usecases.applications.resubmit(
                app.touch_session(), self.member_no, changes
            )
        except WorkbenchError as error:
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._sent, submitted, "applications.resubmitted")

    def _invalid(self, error: WorkbenchError) -> None:
        if isinstance(error, ValidationError):
            show_invalid(self, error, message="#application-error", inputs=FIELD_INPUTS)
        else:
            self.query_one("#application-error", Static).update(Text(self.app.labels.error(error)))

    def _sent(self, submitted: Submitted, label: str) -> None:
        labels = self.app.labels
        message = labels(label, member_no=submitted.member_no, name=submitted.masked_name)
        self.notify(message, markup=False)
        self.app.pop_screen()

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()

    def action_back(self) -> None:
        self.app.pop_screen()


class ReturnedApplicationsScreen(WorkbenchScreen[None]):
    """The signed-in staff member's applications returned for correction, with the reasons."""

    BINDINGS = [Binding("escape", "back", "Back"), Binding("f5", "reload", "Reload")]

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        yield Header()
        yield Static(Text(labels("applications.returned_title")), id="returned-title")
        yield DataTable(id="returned", cursor_type="row", zebra_stripes=True)
        yield Static("", id="returned-empty", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#returned", DataTable).focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True)
    def load(self) -> None:
        app = self.app
        lines = app.usecases.applications.returned(app.touch_session())
        app.call_from_thread(self._show, lines)

    def _show(self, lines: list[ReturnedLine]) -> None:
        labels = self.app.labels
        zone = self.app.wb.settings.timezone
        columns = ("member", "name", "store", "reviewer", "when", "reason")
        fill_table(
            self.query_one("#returned", DataTable),
            [labels(f"applications.col.{c}") for c in columns],
            [
                (
                    line.member_no,
                    (
                        line.member_no,
                        Text(line.masked_name),
                        line.store_code,
                        Text(line.reviewed_by),
                        _local(line.reviewed_at, zone),
                        Text(line.reason),
                    ),
                )
                for line in lines
            ],
        )
        empty = self.query_one("#returned-empty", Static)
        empty.update(Text(labels("applications.returned_empty")) if not lines else "")

    @on(DataTable.RowSelected, "#returned")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(ApplicationFormScreen(str(event.row_key.value)))

    def action_back(self) -> None:
        self.app.pop_screen()


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return f"{moment.astimezone(zone):%m-%d %H:%M}" if moment is not None else "—"
