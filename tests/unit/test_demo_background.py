"""`workbench demo`'s background stage: the pending record names its database, and one process
at a time runs it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from workbench.cli import seed as demo_cli


def _settings(tmp_path, url="sqlite:////tmp/demo.db"):
    return SimpleNamespace(data_dir=tmp_path, effective_database_url=url)


def test_the_pending_record_belongs_to_its_database(tmp_path):
    settings = _settings(tmp_path)
    assert demo_cli._read_pending(settings) is None
    demo_cli._write_pending(settings, 400)
    assert demo_cli._read_pending(settings) == {
        "database": "sqlite:////tmp/demo.db",
        "random_seed": demo_cli.DEMO_SEED,
        "complaints": 400,
    }
    # Another database (say a real one) is never given the demo's complaints.
    assert demo_cli._read_pending(_settings(tmp_path, "sqlite:////tmp/real.db")) is None
    (tmp_path / "demo-pending.json").write_text("{not json", encoding="utf-8")
    assert demo_cli._read_pending(settings) is None


def test_one_finisher_at_a_time(tmp_path):
    pytest.importorskip("fcntl")
    lock = tmp_path / "demo-finish.lock"
    with demo_cli._only_one(lock) as first:
        assert first
        with demo_cli._only_one(lock) as second:
            assert not second
    with demo_cli._only_one(lock) as again:
        assert again
