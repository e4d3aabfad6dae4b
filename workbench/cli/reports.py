"""`workbench report …`: what every report command shares. The period options, the three
formats, and the export stamp: csv and json are exports (the service checks the role and audits
them) and name who exported them and when; a table on the screen is not an export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence

import typer
from rich.console import Console

from workbench.bootstrap import Workbench
from workbench.errors import ValidationError
from workbench.masking.groups import SMALL
from workbench.members.models import Staff
from workbench.statistics.period import Period

report_app = typer.Typer(help="Reports (aggregates only).", no_args_is_help=True)
console = Console(highlight=False)
FORMATS = ("table", "csv", "json")

FROM_HELP = "First day, YYYY-MM-DD (default: 12 months before --to)."
TO_HELP = "Day after the last, YYYY-MM-DD (default: tomorrow, so today is in)."
FORMAT_HELP = "table, csv or json (csv and json are exports: export roles only)."


def check_format(fmt: str) -> bool:
    """True when the format is an export."""
    if fmt not in FORMATS:
        raise ValidationError("format", "table, csv or json")
    return fmt != "table"


def period_from_options(wb: Workbench, start: str | None, end: str | None) -> Period:
    return wb.usecases.statistics.period_between(start, end)


def export_stamp(what: str, staff: Staff, wb: Workbench) -> str:
    return f"# {what} exported by {staff.username} ({staff.role}) at {wb.clock.now().isoformat()}"


def print_json(data: Mapping[str, object], staff: Staff, wb: Workbench) -> None:
    data = {**data, "exported_by": staff.username, "exported_at": wb.clock.now().isoformat()}
    print(json.dumps(data, ensure_ascii=False, indent=2))


def print_csv(
    what: str, staff: Staff, wb: Workbench, header: list[str], rows: Iterable[Sequence[object]]
) -> None:
    out = io.StringIO()
    out.write(export_stamp(what, staff, wb) + "\n")
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    print(out.getvalue(), end="")


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
