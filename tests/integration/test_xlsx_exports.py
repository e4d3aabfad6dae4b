"""Every export that writes CSV also writes XLSX (`--format xlsx` or an output file ending
.xlsx): the same stamp, header and rows as the CSV, the same export-role rule and audit entry,
and member text that never runs as a formula in either."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.factories import application
from tests.statistics_data import populate
from workbench.audit.models import AuditEntry


def _csv(out: str) -> tuple[str, list[list[str]]]:
    stamp, _, body = out.partition("\n")
    return stamp, list(csv.reader(io.StringIO(body)))


def _xlsx(path) -> tuple[str, list[list[object]]]:
    """The stamp and the rows of the sheet (header first), numbers kept as numbers."""
    sheet = load_workbook(path).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0][0], [row[: len(rows[1])] for row in rows[1:]]


def _same(sheet_rows: list[list[object]], csv_rows: list[list[str]]) -> bool:
    if len(sheet_rows) != len(csv_rows):
        return False
    for got, want in zip(sheet_rows, csv_rows, strict=True):
        if len(got) != len(want):
            return False
        for value, text in zip(got, want, strict=True):
            if value is None:
                if text != "":
                    return False
            elif isinstance(value, int | float) and not isinstance(value, bool):
                if float(text) != value:
                    return False
            elif str(value) != text:
                return False
    return True


def _exports(wb) -> int:
    with wb.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "export")
        )


@pytest.mark.parametrize(
    ("report", "what"),
    [("members", "member statistics"), ("kpis", "KPIs"), ("complaints", "complaint report")],
)
def test_reports_as_xlsx_hold_the_csv_rows(wb, world, run_cli, tmp_path, report, what):
    populate(wb, world)
    code, out, err = run_cli("report", report, "--format", "csv", user="supervisor")
    assert code == 0, err
    csv_stamp, csv_rows = _csv(out)
    before = _exports(wb)

    target = tmp_path / f"{report}.xlsx"  # the suffix names the format
    code, out, err = run_cli("report", report, "--output", str(target), user="supervisor")
    assert code == 0, err
    assert "rows written to" in out and target.name in out
    stamp, rows = _xlsx(target)
    assert stamp == csv_stamp and stamp.startswith(f"# {what} exported by supervisor (supervisor)")
    assert _same(rows, csv_rows) and len(rows) > 1
    assert _exports(wb) == before + 1  # audited as an export, like the CSV

    again = tmp_path / "again.xlsx"
    code, _, err = run_cli(
        "report", report, "--format", "xlsx", "-o", str(again), user="supervisor"
    )
    assert code == 0, err
    assert _same(_xlsx(again)[1], csv_rows)


def test_a_role_that_may_not_export_gets_no_workbook(wb, world, run_cli, tmp_path):
    populate(wb, world)
    target = tmp_path / "kpis.xlsx"
    code, _, err = run_cli("report", "members", "--output", str(target), user="analyst")
    assert code == 2 and "may not export" in err and "Traceback" not in err
    assert not target.exists()
    code, _, err = run_cli("report", "kpis", "--format", "xlsx", user="supervisor")  # no file
    assert code == 2 and "--output" in err
    code, _, err = run_cli(
        "report", "kpis", "--format", "csv", "-o", str(target), user="supervisor"
    )
    assert code == 2 and "xlsx" in err and not target.exists()  # the suffix says otherwise


def test_member_export_as_xlsx_equals_the_csv_and_runs_no_formula(wb, world, run_cli, tmp_path):
    app = application(store_code="SH01", name="=HYPERLINK(evil)")
    with wb.sessions() as session:
        member = wb.registry.apply(session, application=app, actor=world.staff["sales_own"])
        wb.registry.approve(session, member_no=member.member_no, actor=world.staff["agent"])
        session.commit()
    code, out, err = run_cli("members", "export", user="supervisor")
    assert code == 0, err
    csv_stamp, csv_rows = _csv(out)
    names = [row[csv_rows[0].index("name")] for row in csv_rows[1:]]
    assert "'=" + "*" * 15 in names  # quoted: a spreadsheet shows it, never runs it
    target = tmp_path / "members.xlsx"
    code, out, err = run_cli("members", "export", "-o", str(target), user="supervisor")
    assert code == 0, err
    assert "members written to" in out
    stamp, rows = _xlsx(target)
    assert stamp.startswith("# member export by supervisor (supervisor)")
    assert _same(rows, csv_rows)
    sheet = load_workbook(target).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    code, _, err = run_cli("members", "export", "-o", str(tmp_path / "x.xlsx"), user="agent")
    assert code == 2 and "may not export" in err and not (tmp_path / "x.xlsx").exists()
