"""`workbench report members` and `workbench report kpis` give the service's figures as a table,
csv and json, exports only for the export roles, errors as one line."""

import csv
import io
import json

import pytest

from tests.statistics_data import populate


@pytest.fixture
def stats_world(wb, world):
    return populate(wb, world)


def _long(data: dict, key: str) -> dict[tuple[str, str], tuple[str, str]]:
    """The service's figures as the csv's (key, figure) -> (value, why hidden), tiers as
    tier:<code>."""
    figures = {}
    for row in data:
        hidden = row.get("hidden", {})
        for name, value in row.items():
            if name in ("store", "store_name", "username", "name", "role", "hidden"):
                continue
            pairs = value.items() if isinstance(value, dict) else [(name, value)]
            for figure, v in pairs:
                figure = f"tier:{figure}" if isinstance(value, dict) else figure
                shown = "" if v is None else str(v)
                figures[(row[key], figure)] = (shown, hidden.get(figure, ""))
    return figures


def _csv(out: str) -> tuple[str, list[list[str]]]:
    stamp, _, body = out.partition("\n")
    return stamp, list(csv.reader(io.StringIO(body)))


def test_members_report_in_every_format_equals_the_service(wb, world, stats_world, run_cli):
    expected = wb.statistics.members(world.staff["supervisor"], wb.statistics.period()).to_dict()

    code, out, _ = run_cli("report", "members", "--format", "json", user="supervisor")
    assert code == 0
    data = json.loads(out)
    assert data.pop("exported_by") == "supervisor" and data.pop("exported_at")
    assert data == expected

    code, out, _ = run_cli("report", "members", "--format", "csv", user="supervisor")
    stamp, rows = _csv(out)
    assert code == 0 and stamp.startswith("# member statistics exported by supervisor (supervisor)")
    assert rows[0] == ["store", "figure", "value", "hidden"]
    got = {(store, figure): (value, why) for store, figure, value, why in rows[1:]}
    assert got == _long([*expected["stores"], expected["total"]], "store")
    assert got[("SH01", "spend")] == ("750.00", "")
    # One member joined SH01 and one left BJ01: small groups, and the csv says so.
    assert got[("SH01", "joined")] == got[("BJ01", "ended")] == ("", "small")

    code, out, _ = run_cli("report", "members", user="analyst")  # a table is not an export
    assert code == 0
    for text in ("SH01", "750.00", "107.14", "46.2", "<5", "tier:silver", "all", "hidden"):
        assert text in out


def test_kpis_report_in_every_format_equals_the_service(wb, world, stats_world, run_cli):
    expected = wb.statistics.kpis(world.staff["supervisor"], wb.statistics.period()).to_dict()

    code, out, _ = run_cli("report", "kpis", "--format", "json", user="supervisor")
    data = json.loads(out)
    assert code == 0 and data.pop("exported_by") == "supervisor" and data.pop("exported_at")
    assert data == expected

    code, out, _ = run_cli("report", "kpis", "--format", "csv", user="supervisor")
    stamp, rows = _csv(out)
    assert code == 0 and stamp.startswith("# KPIs exported by supervisor (supervisor)")
    agents = {(k, f): (v, why) for kind, k, f, v, why in rows[1:] if kind == "agent"}
    branches = {(k, f): (v, why) for kind, k, f, v, why in rows[1:] if kind == "branch"}
    assert agents == _long(expected["agents"], "username")
    assert branches == _long([*expected["branches"], expected["total"]], "store")

    code, out, _ = run_cli("report", "kpis", user="agent")  # an agent: their own figures
    assert code == 0 and "agent" in out and "50.0" in out and "SH01" not in out


def test_exports_refused_and_bad_options_are_one_line(wb, world, stats_world, run_cli):
    code, out, err = run_cli("report", "members", "--format", "csv", user="analyst")
    assert code == 2 and out == "" and err.strip() == "error: analyst may not export reports"
    code, _, err = run_cli("report", "members", user="agent")
    assert code == 2 and "may not read member statistics" in err
    code, _, err = run_cli(
        "report", "kpis", "--from", "2026-03-05", "--to", "2026-03-01", user="supervisor"
    )
    assert code == 2 and err.startswith("error: from:") and "Traceback" not in err
    code, _, err = run_cli("report", "kpis", "--from", "March", user="supervisor")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = run_cli("report", "members", "--format", "xml", user="supervisor")
    assert code == 2 and "table, csv, xlsx or json" in err
    code, out, _ = run_cli(
        "report",
        "members",
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-02",
        "--store",
        "SH01",
        "--format",
        "json",
        user="supervisor",
    )
    data = json.loads(out)
    assert [s["store"] for s in data["stores"]] == ["SH01"] and data["total"]["visits"] == 7
