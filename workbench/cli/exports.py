"""Export files people open: the same rows as CSV or as an XLSX workbook, headed by the export
stamp (who exported it and when), every cell passed through `spreadsheet_cell` in both, so
member text reads the same in each and never runs as a formula. The role check and the audit
are the use case's, before any row reaches here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from workbench.errors import ValidationError
from workbench.masking.text import safe_cell, spreadsheet_cell

SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}


def format_for(fmt: str | None, output: str | None, *, default: str) -> str:
    """The format asked for with --format, else the one the output file's suffix names, else
    `default`. A suffix that contradicts --format is refused rather than guessed."""
    by_suffix = SUFFIXES.get(Path(output).suffix.lower()) if output and output != "-" else None
    if fmt and by_suffix and fmt != by_suffix:
        raise ValidationError("format", f"{by_suffix} for a file named {Path(output or '').name}")
    return fmt or by_suffix or default


def csv_text(stamp: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write(str(safe_cell(stamp)) + "\n")  # it names the staff member: their text
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return out.getvalue()


def write_xlsx(
    path: Path, stamp: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> int:
    """An XLSX workbook of one sheet: the stamp in A1, the header in row 2, then the rows;
    every text cell stored as text (a formula never). The number of rows written."""
    from openpyxl import Workbook  # loaded only by a command that writes one

    book = Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append([_text_cell(sheet, str(safe_cell(stamp)))])  # it names the staff member
    sheet.append([_text_cell(sheet, str(safe_cell(name))) for name in header])
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, spreadsheet_cell(value)) for value in row])
        count += 1
    try:
        book.save(path)
    except OSError as error:
        raise ValidationError("output", f"a file that can be written ({error.strerror})") from None
    return count


def rows_of_csv(text: str) -> tuple[str, list[str], list[list[str]]]:
    """An export's CSV text (stamp line, header, rows) taken apart again."""
    stamp, _, body = text.partition("\n")
    table = list(csv.reader(io.StringIO(body)))
    return stamp, (table[0] if table else []), table[1:]


def _cell(sheet: object, value: object) -> object:
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return _text_cell(sheet, value.isoformat())  # a workbook has no time zones: as in CSV
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    return _text_cell(sheet, str(value))


def _text_cell(sheet: object, value: str) -> object:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would take a leading = as a formula
    return cell
