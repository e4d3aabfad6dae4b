"""The Odoo sync's open issues, for administrators and supervisors: a page at a time with the
total (Ctrl+PgDn, Ctrl+PgUp); an administrator dismisses the chosen one (Ctrl+X, after a confirmation that focuses
Cancel). Ids, field names and the workbench's own reasons only: no member's values."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from workbench.members.models import Role
from workbench.tui.base import WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.odoo import IssuePage, IssueRow

COLUMNS = ("id", "kind", "record", "member", "fields", "seen", "reason")
PAGE_SIZE = 50


class OdooIssuesScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload Odoo"),
        # before the table's own (it would scroll sideways): pages are what these keys mean here
        Binding("ctrl+pagedown", "next_page", "Next page", priority=True),
        Binding("ctrl+pageup", "previous_page", "Previous page", priority=True),
        Binding("ctrl+x", "dismiss_issue", "Dismiss issue"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.page_size = PAGE_SIZE
        self.page = 1
        self.pages = 1
        self.rows: dict[str, IssueRow] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.app.labels("odoo_issues.title")), id="odoo-issues-title")
        yield Static("", id="odoo-issues-count", markup=False)
        yield DataTable(id="odoo-issues", cursor_type="row", zebra_stripes=True)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#odoo-issues", DataTable).focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only administrators dismiss; a supervisor sees the list."""
        if action == "dismiss_issue" and self.app.signed_in is not None:
            return self.app.staff.role == Role.ADMIN
        return True

    def action_reload(self) -> None:
        self.load()

    def action_next_page(self) -> None:
        if self.page < self.pages:
            self.page += 1
            self.load()

    def action_previous_page(self) -> None:
        if self.page > 1:
            self.page -= 1
            self.load()

    @desk_work(exclusive=True, group="odoo_issues")
    def load(self) -> None:
        app = self.app
        found = app.usecases.odoo.issues(
            app.touch_session(), page=self.page, page_size=self.page_size
        )
        app.call_from_thread(self._show, found)

    def _show(self, found: IssuePage) -> None:
        labels = self.app.labels
        if found.page > found.pages:  # the last page emptied (dismissed): show the one before
            self.page = found.pages
            self.load()
            return
        self.page, self.pages = found.page, found.pages
        self.rows = {str(row.id): row for row in found.issues}
        fill_table(
            self.query_one("#odoo-issues", DataTable),
            [labels(f"odoo_issues.col.{c}") for c in COLUMNS],
            [
                (
                    str(row.id),
                    (
                        str(row.id),
                        labels(f"odoo_issues.kind.{row.kind}")
                        if row.kind in ("skipped", "dropped", "archived", "conflict")
                        else row.kind,
                        Text(_record(row)),
                        Text(row.member_no or "-"),
                        Text(row.field_names or "-"),
                        str(row.seen),
                        Text(row.reason),
                    ),
                )
                for row in found.issues
            ],
        )
        count = self.query_one("#odoo-issues-count", Static)
        if found.total:
            count.update(
                labels("odoo_issues.count", total=found.total, page=found.page, pages=found.pages)
            )
        else:
            count.update(labels("odoo_issues.empty"))

    def action_dismiss_issue(self) -> None:
        labels = self.app.labels
        if self.app.staff.role != Role.ADMIN:
            self.notify(labels("odoo_issues.admins_only"), markup=False)
            return
        table = self.query_one("#odoo-issues", DataTable)
        if table.row_count == 0:
            self.notify(labels("odoo_issues.none_chosen"), markup=False)
            return
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        row = self.rows[key]
        question = labels("odoo_issues.question", id=row.id, record=_record(row))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss_one(row.id)

        self.app.push_screen(ConfirmScreen(question, "odoo_issues.dismiss_button"), confirmed)

    @desk_work(exclusive=True, group="odoo_dismiss")
    def dismiss_one(self, issue_id: int) -> None:
        app = self.app
        row = app.usecases.odoo.dismiss_issue(app.touch_session(), issue_id)
        app.call_from_thread(self._dismissed, row)

    def _dismissed(self, row: IssueRow) -> None:
        self.notify(self.app.labels("odoo_issues.dismissed", id=row.id), markup=False)
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


def _record(row: IssueRow) -> str:
    return f"{row.model} {row.odoo_id}" if row.odoo_id is not None else row.model
