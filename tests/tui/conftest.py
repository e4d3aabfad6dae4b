import pytest
from sqlalchemy import select

from tests.conftest import sqlite_copy
from tests.factories import password_hash
from tests.tui.harness import PASSWORD
from workbench.bootstrap import build
from workbench.members.models import Staff


@pytest.fixture(params=["sqlite"])
def db_url(tmp_path, sqlite_template) -> str:
    """The screens run on SQLite only. They call use cases and nothing below them, and the use
    cases run on both backends in tests/integration (the hotline's PostgreSQL events too, in
    test_screen_pop.py); a second backend under a Pilot adds minutes and no case."""
    return sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def wb(settings, clock, keyring):
    """The workbench as the TUI runs it: with the hotline."""
    workbench = build(settings, clock=clock, keyring=keyring, telephony=True)
    yield workbench
    workbench.dispose()


@pytest.fixture
def tui_world(wb, world):
    """The integration `world`, with a password for every staff member."""
    with wb.sessions() as session:
        for staff in session.scalars(select(Staff)):
            staff.password_hash = password_hash(PASSWORD)
        session.commit()
    return world
