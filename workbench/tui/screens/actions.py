"""Small modals for what an agent does from a member's profile: confirm a lost card, send a
templated message (previewed, with the SMS length in segments), schedule a callback, transfer
the call. Each returns what was chosen; the profile does the work in a worker."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static
from textual.widgets.button import ButtonVariant

from workbench.callbacks.models import Reason
from workbench.errors import WorkbenchError
from workbench.messaging.desk import AGENT_TEMPLATES
from workbench.tui.base import WorkbenchModal
from workbench.tui.widgets.text import member_text
from workbench.tui.work import desk_work

Chosen = TypeVar("Chosen")


class _Modal(WorkbenchModal[Chosen | None]):
    """What the modals share: Cancel (or Escape) returns None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def buttons(self, submit: str, variant: ButtonVariant = "primary") -> ComposeResult:
        labels = self.app.labels
        with Horizontal(classes="modal-buttons"):
            yield Button(labels(submit), variant=variant, id="modal-submit")
            yield Button(labels("modal.cancel"), id="modal-cancel")

    @on(Button.Pressed, "#modal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(_Modal[bool]):
    """Yes or no; returns True or None."""

    def __init__(self, question: str, submit: str = "modal.confirm") -> None:
        super().__init__()
        self.question = question
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-form"):
            yield Static(Text(self.question))
            yield from self.buttons(self.submit, variant="warning")

    def on_mount(self) -> None:
        # A confirmation is for something that cannot be taken back: Enter alone must not do it.
        self.query_one("#modal-cancel", Button).focus()

    @on(Button.Pressed, "#modal-submit")
    def _yes(self) -> None:
        self.dismiss(True)


class MessageScreen(_Modal[tuple[str, str]]):
    """Choose a template and a channel, see the message as the member will; returns
    (template, channel) to send."""

    def __init__(self, member_id: int) -> None:
        super().__init__()
        self.member_id = member_id

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form", id="message-form"):
            yield Label(labels("message.title"))
            yield Select(
                [(labels(f"template.{t}"), t) for t in AGENT_TEMPLATES],
                value="welcome",
                allow_blank=False,
                id="message-template",
            )
            yield Select(
                [(labels("message.sms"), "sms"), (labels("message.email"), "email")],
                value="sms",
                allow_blank=False,
                id="message-channel",
            )
            yield Static("", id="message-preview", markup=False)
            yield from self.buttons("message.send")

    def on_mount(self) -> None:
        self._preview()

    @on(Select.Changed)
    def _preview(self) -> None:
        template = str(self.query_one("#message-template", Select).value)
        channel = str(self.query_one("#message-channel", Select).value)
        self.preview(template, channel)

    @desk_work(exclusive=True, group="message-preview")
    def preview(self, template: str, channel: str) -> None:
        app = self.app
        try:
            staff = app.touch_session()
            shown = app.usecases.messages.preview(staff, self.member_id, template, channel)
        except WorkbenchError as error:  # shown in the form, which stays open
            app.call_from_thread(self._show, Text(self.app.labels.error(error), style="red"))
            return
        labels = app.labels
        if shown.segments is not None:
            s = shown.segments
            head = labels("message.segments", encoding=s.encoding, units=s.units, count=s.count)
        else:
            head = shown.subject or ""
        app.call_from_thread(self._show, member_text(f"{head}\n\n{shown.text}", multiline=True))

    def _show(self, text: Text) -> None:
        self.query_one("#message-preview", Static).update(text)

    @on(Button.Pressed, "#modal-submit")
    def _send(self) -> None:
        self.dismiss(
            (
                str(self.query_one("#message-template", Select).value),
                str(self.query_one("#message-channel", Select).value),
            )
        )


class ScheduleCallbackScreen(_Modal[tuple[str, int, datetime | None]]):
    """A reason, a window in days and, if the member asked for one, a date and time of day
    to call from; returns (reason, days, at or None). A bad entry is shown under the form,
    which keeps what was typed."""

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form"):
            yield Label(labels("schedule.title"))
            yield Select(
                [(labels(f"reason.{r.value}"), r.value) for r in Reason],
                value=Reason.MEMBER_REQUEST.value,
                allow_blank=False,
                id="schedule-reason",
            )
            yield Input(
                value="3",
                placeholder=labels("schedule.days"),
                id="schedule-days",
                restrict=r"[0-9]*",
                max_length=2,
            )
            yield Input(
                placeholder=labels("schedule.at"),
                id="schedule-at",
                restrict=r"[0-9: -]*",
                max_length=16,
            )
            yield Static("", id="schedule-error", markup=False)
            yield from self.buttons("schedule.submit")

    def on_mount(self) -> None:
        self.query_one("#schedule-days", Input).focus()

    @on(Input.Submitted, "#schedule-days, #schedule-at")
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        labels, error = self.app.labels, self.query_one("#schedule-error", Static)
        days = self.query_one("#schedule-days", Input).value
        if not days.isdigit() or not 1 <= int(days) <= 30:
            error.update(labels("schedule.days_bad"))
            return
        at: datetime | None = None
        text = self.query_one("#schedule-at", Input).value.strip()
        if text:
            zone = self.app.wb.settings.timezone
            try:
                at = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=zone)
            except ValueError:
                at = None
            if at is None or at < self.app.wb.clock.now():
                error.update(labels("schedule.at_bad"))
                self.query_one("#schedule-at", Input).focus()
                return
        self.dismiss((str(self.query_one("#schedule-reason", Select).value), int(days), at))


class TransferScreen(_Modal[str]):
    """Which queue to hand the caller to; returns its name."""

    def __init__(self, queues: tuple[str, ...]) -> None:
        super().__init__()
        self.queues = queues

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form"):
            yield Label(labels("transfer.title"))
            yield Select(
                [(labels.value("queue", q), q) for q in self.queues],
                value=self.queues[0],
                allow_blank=False,
                id="transfer-queue",
            )
            yield from self.buttons("transfer.submit", variant="warning")

    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        self.dismiss(str(self.query_one("#transfer-queue", Select).value))
