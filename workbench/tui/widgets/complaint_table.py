"""A table of open complaints with the time left to resolve each, coloured by urgency. The time
moves every second; only the rows in view are redrawn, so a list of thousands stays as quick
as a list of ten. Rows are rebuilt only when the complaints themselves change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from workbench.complaints.queries import OpenComplaint, urgency
from workbench.tui.widgets.tables import fill_table

if TYPE_CHECKING:
    from textual import getters

    from workbench.tui.app import WorkbenchApp
    from workbench.tui.labels import Labels

URGENCY_STYLE = {"ok": "green", "soon": "yellow", "overdue": "bold red", "paused": "dim"}
COLUMNS = ("complaint", "state", "category", "priority", "due")


def time_left(until: datetime, now: datetime) -> str:
    """12:05 (minutes and seconds), 3:12:05, or 4d 03:12 for long spans."""
    seconds = max(0, int((until - now).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}:{minutes:02d}"
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def overdue_by(due: datetime, now: datetime, labels: Labels) -> str:
    """How long past its due time: "overdue 3h 20m" / "超时 3小时20分" (2d 3h past a day,
    seconds only in the first minute), so an overdue row does not read as a clock at 00:00."""
    seconds = max(0, int((now - due).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        span = labels("sla.days_hours", days=days, hours=hours)
    elif hours:
        span = labels("sla.hours_minutes", hours=hours, minutes=minutes)
    elif minutes:
        span = labels("sla.minutes", minutes=minutes)
    else:
        span = labels("sla.seconds", seconds=seconds)
    return labels("sla.overdue_by", span=span)


def due_text(due: datetime, now: datetime, labels: Labels) -> str:
    """The time left to `due`, or how overdue once it has passed."""
    return overdue_by(due, now, labels) if due < now else time_left(due, now)


class ComplaintTable(DataTable[Text]):
    if TYPE_CHECKING:  # see workbench.tui.base
        app = getters.app(WorkbenchApp)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.complaints: list[OpenComplaint] = []
        self._due_column: ColumnKey | None = None

    def on_mount(self) -> None:
        labels = self.app.labels
        *_, self._due_column = self.add_columns(*(labels(f"complaint_col.{c}") for c in COLUMNS))

    def relabel(self) -> None:
        """The headings and the values in the current language (Ctrl+L)."""
        complaints, self.complaints = self.complaints, []
        self.clear(columns=True)
        self.on_mount()
        self.show(complaints, self.app.wb.clock.now())

    def show(self, complaints: list[OpenComplaint], now: datetime) -> None:
        if complaints == self.complaints:
            return  # nothing changed: keep the rows (and the cursor) as they are
        self.complaints = complaints
        labels, categories = self.app.labels, self.app.wb.complaint_policy.categories

        def category(code: str) -> str:
            known = categories.get(code)
            return known.label(labels.language) if known is not None else code

        rows = [
            (
                c.complaint_no,
                [
                    Text(c.complaint_no),
                    Text(labels.value("complaint_state", c.state)),
                    Text(category(c.category)),
                    Text(labels.value("priority", c.priority)),
                    self._due(c, now),
                ],
            )
            for c in complaints
        ]
        # Columns as wide as their cells up front: auto widths were drawn header-wide at times
        # (workbench.tui.widgets.tables).
        headers = [labels(f"complaint_col.{c}") for c in COLUMNS]
        *_, self._due_column = fill_table(self, headers, rows)

    def tick(self, now: datetime) -> None:
        """Redraw the time left of the rows in view."""
        if not self.complaints or self._due_column is None:
            return
        first = max(int(self.scroll_y), 0)
        width = self.columns[self._due_column].width
        for c in self.complaints[first : first + self.size.height + 1]:
            due = self._due(c, now)
            if due.cell_len > width:  # grown past its column ("overdue 10h"): widths again
                complaints, self.complaints = self.complaints, []
                self.show(complaints, now)
                return
            self.update_cell(c.complaint_no, self._due_column, due)

    def _due(self, c: OpenComplaint, now: datetime) -> Text:
        policy = self.app.wb.complaint_policy
        target = policy.targets_for(c.priority, c.category).resolution.total_seconds() / 3600
        level = urgency(c.resolution_due, now, target)
        labels = self.app.labels
        due = "-" if c.resolution_due is None else due_text(c.resolution_due, now, labels)
        return Text(due, style=URGENCY_STYLE[level])
