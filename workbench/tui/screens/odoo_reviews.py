"""Identity changes a pull held (another name or ID number on a member's mobile or partner), for
customer service: the chosen one's values as Odoo has them now beside the member's, masked, so
the reviewer can decide; Ctrl+Y applies it, Ctrl+X rejects it, each after a confirmation that
focuses Cancel."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Header, Static

from workbench.crm.report import SyncReport
from workbench.crm.sync import HeldIdentity
from workbench.tui.base import WorkbenchScreen
from workbench.tui.screens.actions import ConfirmScreen
from workbench.tui.widgets.footer import TranslatedFooter
from workbench.tui.widgets.tables import fill_table
from workbench.tui.work import desk_work
from workbench.usecases.odoo import ReviewRow

COLUMNS = ("id", "member", "partner", "fields", "source", "held")


class OdooReviewsScreen(WorkbenchScreen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f5", "reload", "Reload Odoo"),
        Binding("ctrl+y", "apply_change", "Apply change"),
        Binding("ctrl+x", "reject_change", "Reject change"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, ReviewRow] = {}
        self.held: HeldIdentity | None = None  # the chosen row's values, once read

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(self.app.labels("odoo_reviews.title")), id="odoo-reviews-title")
        yield DataTable(id="odoo-reviews", cursor_type="row", zebra_stripes=True)
        yield Static("", id="odoo-review-values", markup=False)
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self.query_one("#odoo-reviews", DataTable).focus()
        self.load()

    def action_reload(self) -> None:
        self.load()

    @desk_work(exclusive=True, group="odoo_reviews")
    def load(self) -> None:
        app = self.app
        rows = app.usecases.odoo.identity_reviews(app.touch_session())
        app.call_from_thread(self._show, rows)

    def _show(self, rows: list[ReviewRow]) -> None:
        labels = self.app.labels
        zone = self.app.wb.settings.timezone
        self.rows = {str(row.id): row for row in rows}
        fill_table(
            self.query_one("#odoo-reviews", DataTable),
            [labels(f"odoo_reviews.col.{c}") for c in COLUMNS],
            [
                (
                    str(row.id),
                    (
                        str(row.id),
                        Text(row.member_no),
                        str(row.partner_id),
                        Text(self._fields(row.field_names)),
                        labels(f"odoo_reviews.source.{'linked' if row.linked else 'mobile'}"),
                        row.held_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                    ),
                )
                for row in rows
            ],
        )
        self.held = None
        values = self.query_one("#odoo-review-values", Static)
        if not rows:
            values.update(labels("odoo_reviews.empty"))
        else:
            values.update("")
            self._read_chosen()

    @on(DataTable.RowHighlighted, "#odoo-reviews")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._read_chosen()

    def _read_chosen(self) -> None:
        row = self._chosen()
        if row is not None and (self.held is None or self.held.review_id != row.id):
            self.read_values(row.id)

    @desk_work(exclusive=True, group="odoo_values")
    def read_values(self, review_id: int) -> None:
        app = self.app
        held = app.usecases.odoo.held_identity(app.touch_session(), review_id)
        app.call_from_thread(self._show_values, held)

    def _show_values(self, held: HeldIdentity) -> None:
        chosen = self._chosen()
        if chosen is None or chosen.id != held.review_id:
            return  # the cursor moved on meanwhile: its own read follows
        self.held = held
        self.query_one("#odoo-review-values", Static).update(Text(self._describe(held)))

    def _describe(self, held: HeldIdentity) -> str:
        labels = self.app.labels
        none = labels("odoo_reviews.none")
        lines = [
            labels(
                "odoo_reviews.change",
                field=labels(f"odoo_reviews.field.{change.field}"),
                ours=change.ours or none,
                odoo=change.odoo or none,
            )
            for change in held.changes
        ]
        if held.gone:
            lines.append(labels("odoo_reviews.gone"))
        elif held.changed_since:
            lines.append(labels("odoo_reviews.changed_since"))
        return "\n".join(lines)

    def _fields(self, names: str) -> str:
        labels = self.app.labels
        return ", ".join(
            labels(f"odoo_reviews.field.{name}") if name in ("name", "id_number") else name
            for name in names.split(",")
            if name
        )

    def _chosen(self) -> ReviewRow | None:
        table = self.query_one("#odoo-reviews", DataTable)
        if table.row_count == 0:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return self.rows.get(key)

    def _ask(self, question_key: str, button: str, then: Callable[[ReviewRow], object]) -> None:
        labels = self.app.labels
        row = self._chosen()
        if row is None:
            self.notify(labels("odoo_reviews.none_chosen"), markup=False)
            return
        held = self.held if self.held is not None and self.held.review_id == row.id else None
        changes = self._describe(held) if held is not None else self._fields(row.field_names)
        question = labels(question_key, member=row.member_no, changes=changes)

        def confirmed(yes: bool | None) -> None:
            if yes:
                then(row)

        self.app.push_screen(ConfirmScreen(question, button), confirmed)

    def action_apply_change(self) -> None:
        self._ask("odoo_reviews.apply_question", "odoo_reviews.apply_button", self.apply)

    def action_reject_change(self) -> None:
        self._ask("odoo_reviews.reject_question", "odoo_reviews.reject_button", self.reject)

    @desk_work(exclusive=True, group="odoo_decide")
    def apply(self, row: ReviewRow) -> None:
        app = self.app
        report = app.usecases.odoo.apply_identity(app.touch_session(), row.id)
        app.call_from_thread(self._decided, "odoo_reviews.applied", row, report)

    @desk_work(exclusive=True, group="odoo_decide")
    def reject(self, row: ReviewRow) -> None:
        app = self.app
        app.usecases.odoo.reject_identity(app.touch_session(), row.id)
        app.call_from_thread(self._decided, "odoo_reviews.rejected", row, None)

    def _decided(self, key: str, row: ReviewRow, _report: SyncReport | None) -> None:
        self.notify(self.app.labels(key, member=row.member_no), markup=False)
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
