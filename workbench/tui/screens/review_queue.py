"""Customer service's review queue: the applications waiting, oldest first, each with its age
against the review SLA, channel, store, submitter, member number and masked name. Ctrl+Y
approves (after a confirmation that focuses Cancel), Ctrl+R returns the application to its
submitter with a reason; no bare-letter key changes anything (issue 17)."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Header, Input, Label, Static

from workbench.errors import ValidationError, WorkbenchError
from workbench.tui.base import WorkbenchModal, WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.applications import Decision, QueueLine, ReviewQueue

COLUMNS = ("member", "name", "channel", "store", "by", "age", "sla", "purchase")


def _hours(span: timedelta) -> int:
    return int(abs(span.total_seconds()) // 3600)


class ReviewQueueScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("ctrl+y", "approve", "Approve application"),
        Binding("ctrl+r", "reject", "Return application"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, QueueLine] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="queue-title", markup=False)
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static("", id="queue-empty", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#queue", DataTable).focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="queue")
    def load(self) -> None:
        app = self.app
        queue = app.usecases.applications.queue(app.touch_session())
        app.call_from_thread(self._show, queue)

    def _show(self, queue: ReviewQueue) -> None:
        labels = self.app.labels
        title = labels("applications.queue_title", hours=queue.sla_hours)
        self.query_one("#queue-title", Static).update(Text(title))
        self.lines = {line.member_no: line for line in queue.lines}
        rows = []
        for line in queue.lines:
            left = line.due_at - queue.now
            sla = (
                Text(labels("applications.sla_over", hours=_hours(left)), style="bold red")
                if line.overdue
                else Text(labels("applications.sla_ok", hours=_hours(left)))
            )
            again = labels("applications.again") if line.resubmitted else ""
            rows.append(
                (
                    line.member_no,
                    (
                        line.member_no + again,
                        Text(line.masked_name),
                        labels(f"applications.channel.{line.channel}"),
                        Text(f"{line.store_code} {line.store_name}"),
                        Text(line.submitted_by),
                        labels("applications.age", hours=_hours(line.age)),
                        sla,
                        Text(line.purchase or "—"),
                    ),
                )
            )
        fill_table(
            self.query_one("#queue", DataTable),
            [labels(f"applications.col.{c}") for c in COLUMNS],
            rows,
        )
        empty = self.query_one("#queue-empty", Static)
        empty.update(Text(labels("applications.queue_empty")) if not rows else "")

    def _current(self) -> QueueLine | None:
        table = self.query_one("#queue", DataTable)
        if table.row_count == 0:
            self.notify(self.app.labels("applications.none_chosen"), markup=False)
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.lines.get(str(key))

    # Approve ------------------------------------------------------------------------------------
    def action_approve(self) -> None:
        line = self._current()
        if line is None:
            return
        question = self.app.labels(
            "applications.approve_question", member_no=line.member_no, name=line.masked_name
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.approve(line.member_no)

        self.app.push_screen(ConfirmScreen(question, "applications.approve_button"), confirmed)

    @desk_work(exclusive=True, group="review")
    def approve(self, member_no: str) -> None:
        app = self.app
        decision = app.usecases.applications.approve(app.touch_session(), member_no)
        app.call_from_thread(self._approved, decision)

    def _approved(self, decision: Decision) -> None:
        labels = self.app.labels
        message = labels(
            "applications.approved",
            member_no=decision.member_no,
            card_no=decision.card_no or "—",
            tier=(
                self.app.wb.scheme.get(decision.tier_code).label(labels.language)
                if decision.tier_code
                else "—"
            ),
        )
        self.notify(message, markup=False)
        self.load()

    # Return to the submitter ----------------------------------------------------------------
    def action_reject(self) -> None:
        line = self._current()
        if line is None:
            return

        def returned(decision: Decision | None) -> None:
            if decision is not None:
                message = self.app.labels(
                    "applications.rejected",
                    member_no=decision.member_no,
                    submitter=decision.submitter,
                )
                self.notify(message, markup=False)
                self.load()

        self.app.push_screen(RejectScreen(line.member_no, line.masked_name), returned)

    def action_back(self) -> None:
        self.app.pop_screen()


class RejectScreen(WorkbenchModal[Decision | None]):
    """The reason for the submitter; the form stays open on an error, with what was typed."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, member_no: str, masked_name: str) -> None:
        super().__init__()
        self.member_no = member_no
        self.masked_name = masked_name

    def compose(self) -> ComposeResult:
        labels = self.app.labels
        with Vertical(classes="modal-form"):
            title = labels(
                "applications.reject_title", member_no=self.member_no, name=self.masked_name
            )
            yield Label(Text(title))
            yield Input(placeholder=labels("applications.reject_reason"), id="reject-reason")
            yield Static("", id="reject-error", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button(
                    labels("applications.reject_button"), variant="warning", id="modal-submit"
                )
                yield Button(labels("modal.cancel"), id="modal-cancel")

    def on_mount(self) -> None:
        self.query_one("#reject-reason", Input).focus()

    @on(Input.Submitted, "#reject-reason")
    @on(Button.Pressed, "#modal-submit")
    def _submit(self) -> None:
        reason = self.query_one("#reject-reason", Input).value.strip()
        if not reason:
            self._invalid(ValidationError("reason", self.app.labels("applications.reason_needed")))
            return
        self.reject(reason)

    @desk_work(exclusive=True, group="review")
    def reject(self, reason: str) -> None:
        app = self.app
        try:
            decision = app.usecases.applications.reject(app.touch_session(), self.member_no, reason)
        except WorkbenchError as error:
            app.call_from_thread(self._invalid, error)
            return
        app.call_from_thread(self.dismiss, decision)

    def _invalid(self, error: WorkbenchError) -> None:
        self.query_one("#reject-error", Static).update(Text(self.app.labels.error(error)))
        self.query_one("#reject-reason", Input).focus()

    @on(Button.Pressed, "#modal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
