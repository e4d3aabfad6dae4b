"""The supervisor's access approvals: staff who reached the hour's limit of look-ups or reveals,
oldest first. Ctrl+Y approves the chosen request (after a confirmation that focuses Cancel):
that staff member gets another hour's allowance for the rest of the hour."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from workbench.tui.base import WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.approvals import ApprovalLine

COLUMNS = ("id", "staff", "action", "used", "asked", "until")


class ApprovalsScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload"),
        Binding("ctrl+y", "approve", "Approve"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, ApprovalLine] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.app.labels("approvals.title")), id="approvals-title")
        yield DataTable(id="approvals", cursor_type="row", zebra_stripes=True)
        yield Static("", id="approvals-empty", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#approvals", DataTable).focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="approvals")
    def load(self) -> None:
        app = self.app
        lines = app.usecases.access.pending(app.touch_session())
        app.call_from_thread(self._show, lines)

    def _show(self, lines: list[ApprovalLine]) -> None:
        labels = self.app.labels
        zone = self.app.wb.settings.timezone
        self.lines = {str(line.id): line for line in lines}
        rows = [
            (
                str(line.id),
                (
                    str(line.id),
                    Text(f"{line.staff} ({line.username})"),
                    labels(f"approvals.action.{line.action}"),
                    str(line.used),
                    line.requested_at.astimezone(zone).strftime("%H:%M:%S"),
                    line.until.astimezone(zone).strftime("%H:%M"),
                ),
            )
            for line in lines
        ]
        fill_table(
            self.query_one("#approvals", DataTable),
            [labels(f"approvals.col.{c}") for c in COLUMNS],
            rows,
        )
        empty = self.query_one("#approvals-empty", Static)
        empty.update(Text(labels("approvals.empty")) if not rows else "")

    def action_approve(self) -> None:
        table = self.query_one("#approvals", DataTable)
        if table.row_count == 0:
            self.notify(self.app.labels("approvals.none_chosen"), markup=False)
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        line = self.lines[key]
        labels = self.app.labels
        question = labels(
            "approvals.question",
            staff=line.staff,
            action=labels(f"approvals.action.{line.action}"),
            until=line.until.astimezone(self.app.wb.settings.timezone).strftime("%H:%M"),
        )

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.approve(line.id)

        self.app.push_screen(ConfirmScreen(question, "key.Approve"), confirmed)

    @desk_work(exclusive=True, group="approve")
    def approve(self, request_id: int) -> None:
        app = self.app
        line = app.usecases.access.approve(app.touch_session(), request_id)
        app.call_from_thread(self._approved, line)

    def _approved(self, line: ApprovalLine) -> None:
        labels = self.app.labels
        message = labels(
            "approvals.approved",
            staff=line.staff,
            action=labels(f"approvals.action.{line.action}"),
            until=line.until.astimezone(self.app.wb.settings.timezone).strftime("%H:%M"),
        )
        self.notify(message, markup=False)
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
