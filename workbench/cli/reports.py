"""`workbench report …`: what every report command shares. The period options, the formats,
and the export stamp: csv, xlsx and json are exports (the service checks the role and audits
them) and name who exported them and when; a table on the screen is not an export. --output
writes the export to a file (an xlsx export needs one; its suffix may name the format)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import typer

from workbench.bootstrap import Workbench
from workbench.cli.exports import csv_text, format_for, write_xlsx
from workbench.cli.output import SafeConsole, json_text
from workbench.errors import ValidationError
from workbench.masking.groups import SMALL
from workbench.members.models import Staff
from workbench.statistics.period import Period

report_app = typer.Typer(help="Reports (aggregates only).", no_args_is_help=True)
console = SafeConsole(highlight=False)
FORMATS = ("table", "csv", "xlsx", "json")
SHEETS = ("csv", "xlsx")

FROM_HELP = "First day, YYYY-MM-DD (default: 12 months before --to)."
TO_HELP = "Day after the last, YYYY-MM-DD (default: tomorrow, so today is in)."
FORMAT_HELP = (
    "table, csv, xlsx or json (csv, xlsx and json are exports: export roles only; "
    "default: by the --output file's suffix, else table)."
)
OUTPUT_HELP = "Write the export to this file (.csv, .xlsx or .json); xlsx needs one."


def check_format(fmt: str, output: str | None = None) -> bool:
    """True when the format is an export. Checked before the export is made (and audited)."""
    if fmt not in FORMATS:
        raise ValidationError("format", "table, csv, xlsx or json")
    if fmt == "xlsx" and (not output or output == "-"):
        raise ValidationError("output", "a file to write the workbook to (--output report.xlsx)")
    if fmt == "table" and output and output != "-":
        raise ValidationError("format", "csv, xlsx or json to write a file (a table is shown)")
    return fmt != "table"


def report_format(fmt: str | None, output: str | None) -> str:
    """--format, else the format the --output file's suffix names, else a table."""
    return format_for(fmt, output, default="table")


def period_from_options(wb: Workbench, start: str | None, end: str | None) -> Period:
    return wb.usecases.statistics.period_between(start, end)


def export_stamp(what: str, staff: Staff, wb: Workbench) -> str:
    return f"# {what} exported by {staff.username} ({staff.role}) at {wb.clock.now().isoformat()}"


def print_json(
    data: Mapping[str, object], staff: Staff, wb: Workbench, *, output: str | None = None
) -> None:
    data = {**data, "exported_by": staff.username, "exported_at": wb.clock.now().isoformat()}
    _write_text(json_text(data) + "\n", output)


def print_csv(
    what: str,
    staff: Staff,
    wb: Workbench,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    fmt: str = "csv",
    output: str | None = None,
) -> None:
    """The rows as CSV (stdout or --output) or as an XLSX workbook (--output), each headed
    by the export stamp; cells made safe the same way in both."""
    stamp = export_stamp(what, staff, wb)
    if fmt == "xlsx":
        count = write_xlsx(Path(output or ""), stamp, header, rows)
        console.print(f"{count} rows written to {output}", markup=False, soft_wrap=True)
        return
    _write_text(csv_text(stamp, header, rows), output)


def _write_text(text: str, output: str | None) -> None:
    if not output or output == "-":
        print(text, end="")
        return
    try:
        Path(output).write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        raise ValidationError("output", f"a file that can be written ({error.strerror})") from None
    console.print(f"written to {output}", markup=False)


def shown(value: object, minimum: int, why: str | None = None) -> str:
    """A table cell: a count under the minimum as <minimum, a figure hidden so that no small
    group can be worked out (or a small group's sum) as hidden, one with nothing to show
    (computed from a hidden figure, or nothing to compute) as -."""
    if value is not None:
        return str(value)
    if why is None:
        return "-"
    return f"<{minimum}" if why == SMALL else HIDDEN


HIDDEN = "hidden"


def legend(minimum: int) -> str:
    """The line under a protected report that says what its marks mean."""
    return (
        f"<{minimum}: a group of fewer than {minimum} members; {HIDDEN}: the sum over such "
        f"a group, or a figure hidden only so that no such group can be worked out from the "
        f"others (not under {minimum} itself); -: computed from a hidden figure, or nothing "
        "to compute"
    )
