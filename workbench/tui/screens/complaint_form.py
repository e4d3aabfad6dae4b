"""Registering a complaint: the form, with the service's validation message shown in place."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Header, Label, Select, Static, TextArea

from workbench.complaints.service import CHANNELS, ComplaintIntake
from workbench.errors import ValidationError
from workbench.tui.base import WorkbenchScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.form import chosen, show_invalid
from workbench.tui.work import desk_work

FIELD_WIDGETS = {
    "channel": "#complaint-channel",
    "category": "#complaint-category",
    "priority": "#complaint-priority",
    "description": "#complaint-description",
}


class ComplaintFormScreen(WorkbenchScreen[None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "Submit")]

    def __init__(self, member_no: str | None, *, call_id: int | None = None) -> None:
        super().__init__()
        self.member_no = member_no
        self.call_id = call_id  # registered during this call: the complaint links to it

    def compose(self) -> ComposeResult:
        labels, policy = self.app.labels, self.app.wb.complaint_policy
        language = labels.language
        yield Header()
        with VerticalScroll(id="complaint-form"):
            yield Label(
                f"{labels('complaint.new')} · {labels('complaint.member')} {self.member_no or '-'}",
                markup=False,
            )
            yield Label(labels("complaint.channel"))
            yield Select(
                [(labels.value("complaint_channel", c), c) for c in CHANNELS],
                value="hotline",
                allow_blank=False,
                id="complaint-channel",
            )
            yield Label(labels("complaint.category"))
            yield Select(
                [(c.label(language), c.code) for c in policy.categories.values()],
                prompt=labels("complaint.category"),
                id="complaint-category",
            )
            yield Label(labels("complaint.priority"))
            yield Select(
                [(labels.value("priority", p), p) for p in policy.priorities],
                value="normal",
                allow_blank=False,
                id="complaint-priority",
            )
            yield Label(labels("complaint.description"))
            yield TextArea(id="complaint-description")
            yield Static("", id="complaint-error", markup=False)
            with Horizontal():
                yield Button(labels("complaint.submit"), variant="primary", id="complaint-submit")
                yield Button(labels("complaint.cancel"), id="complaint-cancel")
        yield TranslatedFooter()

    @on(Button.Pressed, "#complaint-submit")
    def action_submit(self) -> None:
        category = chosen(self.query_one("#complaint-category", Select))
        intake = ComplaintIntake(
            channel=str(self.query_one("#complaint-channel", Select).value),
            category="" if category is None else str(category),
            priority=str(self.query_one("#complaint-priority", Select).value),
            description=self.query_one("#complaint-description", TextArea).text,
            member_no=self.member_no,
        )
        self.submit(intake)

    @on(Button.Pressed, "#complaint-cancel")
    def action_cancel(self) -> None:
        self.app.pop_screen()

    @desk_work(exclusive=True)
    def submit(self, intake: ComplaintIntake) -> None:
        app = self.app
        staff = app.touch_session()
        try:
            number = app.usecases.complaints.open(staff, intake, call_id=self.call_id)
        except ValidationError as error:  # the form stays open with what was typed
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self._created, number)

    def _invalid(self, error: ValidationError) -> None:
        show_invalid(self, error, message="#complaint-error", inputs=FIELD_WIDGETS)

    def _created(self, number: str) -> None:
        from workbench.tui.screens.complaint import ComplaintScreen

        self.notify(self.app.labels("complaint.created", no=number), markup=False)
        self.app.switch_screen(ComplaintScreen(number))
