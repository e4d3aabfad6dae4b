"""Export cells a spreadsheet opens: text that would run as a formula is quoted the same way in
CSV and XLSX, numbers stay numbers, and the format follows --format or the file's suffix."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from workbench.cli.exports import csv_text, format_for, rows_of_csv, write_xlsx
from workbench.errors import ValidationError
from workbench.masking.text import spreadsheet_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", " =1"),  # the tab is made a space first: text, not a formula
        ("-12.5", "-12.5"),  # just a number
        ("王*", "王*"),
        ("a=b", "a=b"),
        (None, ""),
        (7, 7),
        (Decimal("-3.50"), Decimal("-3.50")),
    ],
)
def test_formula_text_is_quoted(value, cell):
    assert spreadsheet_cell(value) == cell
    assert spreadsheet_cell(spreadsheet_cell(value)) == cell  # once only


def test_csv_and_xlsx_hold_the_same_cells(tmp_path):
    stamp = "# test exported by admin (admin) at 2026-03-02T01:00:00+00:00"
    header = ["name", "count", "when", "amount"]
    at = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    rows = [["=HYPERLINK(x)", 3, at, Decimal("9.50")], ["plain\x1b[31m", None, None, 0.5]]
    text = csv_text(stamp, header, rows)
    got_stamp, got_header, got_rows = rows_of_csv(text)
    assert (got_stamp, got_header) == (stamp, header)
    assert got_rows[0][0] == "'=HYPERLINK(x)" and "\x1b" not in got_rows[1][0]
    path = tmp_path / "t.xlsx"
    assert write_xlsx(path, stamp, header, rows) == 2
    sheet = load_workbook(path).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == stamp and values[1] == header
    assert values[2][:2] == ["'=HYPERLINK(x)", 3] and values[2][2] == at.isoformat()
    assert float(values[2][3]) == 9.5 and values[3][0] == got_rows[1][0]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_the_format_follows_the_option_or_the_suffix():
    assert format_for(None, "r.xlsx", default="table") == "xlsx"
    assert format_for(None, "r.CSV", default="table") == "csv"
    assert format_for(None, None, default="table") == "table"
    assert format_for("json", "-", default="table") == "json"
    assert format_for("xlsx", "report", default="csv") == "xlsx"
    with pytest.raises(ValidationError, match="xlsx for a file named r.xlsx"):
        format_for("csv", "r.xlsx", default="csv")


def test_the_stamp_and_header_carry_no_terminal_control(tmp_path):
    """The stamp names the staff member who exported: their text, cleaned like the cells."""
    stamp, header = "exported by \x1b[31mmallory\u202e", ["name\x07", "phone"]
    stamp_line, csv_header, _ = rows_of_csv(csv_text(stamp, header, []))
    path = tmp_path / "export.xlsx"
    write_xlsx(path, stamp, header, [])
    sheet = load_workbook(path).active
    shown = [stamp_line, *csv_header, sheet["A1"].value, sheet["A2"].value, sheet["B2"].value]
    assert not any(ch in "".join(shown) for ch in "\x1b\u202e\x07")
    assert "mallory" in stamp_line and csv_header[1] == "phone"
