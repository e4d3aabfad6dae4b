"""`workbench demo --no-tui` on an empty database: the first stage is seeded before it returns,
the rest is handed to a background `workbench seed --finish-demo`, which completes it once."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from workbench.callbacks.models import Campaign
from workbench.cli import seed as demo_cli
from workbench.complaints.models import Complaint
from workbench.members.models import Member


def test_demo_seeds_first_and_finishes_in_the_background(run_cli, wb, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(demo_cli, "DEMO_MEMBERS", 60)
    monkeypatch.setattr(demo_cli, "DEMO_STORES", 2)
    started: list[bool] = []
    monkeypatch.setattr(demo_cli, "_start_finisher", lambda: started.append(True))
    monkeypatch.setattr(demo_cli.os, "nice", lambda _n: 0)  # not the test runner's priority
    code, out, err = run_cli("demo", "--no-tui")
    assert code == 0, err
    assert "coming in the background" in out and "demo1234" in out and started == [True]
    pending = tmp_path / "workbench" / "demo-pending.json"
    record = json.loads(pending.read_text(encoding="utf-8"))
    assert record["database"] == wb.settings.database_url and record["complaints"] == 12
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Member)) == 60
        assert session.scalar(select(func.count()).select_from(Complaint)) == 0

    code, _, err = run_cli("seed", "--finish-demo")
    assert code == 0, err
    assert not pending.exists()
    with wb.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 12
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1

    # Filled: a second `workbench demo` neither seeds nor starts the background stage.
    started.clear()
    code, out, _ = run_cli("demo", "--no-tui")
    assert code == 0 and "already filled" in out and started == []
