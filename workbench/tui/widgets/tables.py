"""Filling a DataTable with columns as wide as their widest cell, fixed when the rows go in.

DataTable measures auto-width columns on its next idle, after the rows are added; if a frame is
drawn before that (a busy machine), its cached lines keep the header-wide columns ("clos" for
"closed") until the table next changes. Giving each column its width up front avoids the wait."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from workbench.tui.widgets.text import safe_cell


def _width(cell: object) -> int:
    text = cell if isinstance(cell, Text) else Text(str(cell))
    return max((cell_len(line) for line in text.plain.splitlines()), default=0)


def fill_table(
    table: DataTable[Any],
    headers: Sequence[str | Text],
    rows: Sequence[tuple[str | None, Sequence[Text | str]]],
) -> list[ColumnKey]:
    """Replace the table's columns and rows; `rows` are (key or None, cells) pairs. The new
    columns' keys."""
    labels = [safe_cell(h if isinstance(h, Text) else Text(h)) for h in headers]  # may be data
    rows = [(key, [safe_cell(cell) for cell in cells]) for key, cells in rows]  # old data
    widths = [_width(label) for label in labels]
    for _, cells in rows:
        for i, cell in enumerate(cells):
            widths[i] = max(widths[i], _width(cell))
    table.clear(columns=True)
    keys = [
        table.add_column(label, width=width) for label, width in zip(labels, widths, strict=True)
    ]
    for key, cells in rows:
        table.add_row(*cells, key=key)
    return keys
