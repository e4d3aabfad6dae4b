"""Fixtures shared by the integration tests (the ones for every test are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import _empty_postgres
from workbench.bootstrap import build
from workbench.settings import load_settings


@pytest.fixture
def pg_wb(pg_database_url, tmp_path, clock, keyring):
    """A workbench on an emptied PostgreSQL database, for tests that only make sense there
    (mark them postgres)."""
    _empty_postgres(pg_database_url)
    settings = load_settings(database_url=pg_database_url, keys_file=str(tmp_path / "keys.json"))
    workbench = build(settings, clock=clock, keyring=keyring)
    yield workbench
    workbench.dispose()
